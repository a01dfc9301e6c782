package dev.airlock.http;

import dev.airlock.core.crypto.SecretShapes;

/**
 * Makes caller-controlled text safe for a log line: secret-shaped parts redacted ({@link SecretShapes}; a client
 * that pastes its secret into a URL must not have it logged), no newlines (log injection), bounded length.
 */
final class LogSafe {
    private LogSafe() {}

    static String path(String s) {
        if (s == null) return "";
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return SecretShapes.redact(sb.toString());
    }
}
