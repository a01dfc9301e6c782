package dev.airlock.core.scan;

import dev.airlock.core.crypto.Hashes;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * How a finding names its credential without showing it: {@code sha256:} and the first 12 hex characters (48 bits)
 * of the SHA-256 of the value. Enough to tell two findings apart and to match one against a token the user holds
 * ({@code printf %s "$TOKEN" | sha256sum | cut -c1-12}); not the full hash, because scan output goes to CI logs and
 * chat, and a full unsalted SHA-256 of a short or structured secret (a 6-digit PIN, a password, a key id plus a known
 * format) can be reversed offline by guessing. 48 bits leave on average 2^(n-48) candidates for an n-bit secret, so
 * they confirm nothing about any secret worth the name.
 */
public final class Fingerprint {
    public static final int HEX_CHARS = 12;

    private Fingerprint() {}

    public static String of(String value) {
        return of(value.getBytes(StandardCharsets.UTF_8));
    }

    public static String of(byte[] value) {
        return "sha256:" + HexFormat.of().formatHex(Hashes.sha256(value)).substring(0, HEX_CHARS);
    }
}
