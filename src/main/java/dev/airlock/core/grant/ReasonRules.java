package dev.airlock.core.grant;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What makes a reason worth an approver's time. An empty or one-word reason ("test", "needed") gives a person nothing
 * to judge, and an agent that cannot say why should not be deleting anything.
 */
final class ReasonRules {
    static final int MIN_CHARS = 20;
    static final int MIN_WORDS = 4;
    static final int MAX_CHARS = 2000;

    private ReasonRules() {}

    /** @return why the reason is refused, or null when it is acceptable */
    static String problem(String reason) {
        if (reason == null || reason.isBlank()) return "reason is required: say why this is needed";
        String r = reason.strip();
        if (r.length() > MAX_CHARS) return "reason longer than " + MAX_CHARS + " characters";
        if (hasControl(r)) return "reason has control characters";
        String[] words = r.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+");
        Set<String> distinct = new HashSet<>();
        for (String w : words) {
            if (!w.isEmpty()) distinct.add(w);
        }
        if (r.length() < MIN_CHARS || distinct.size() < MIN_WORDS) {
            return "reason is too short to judge: in at least " + MIN_WORDS + " different words and " + MIN_CHARS
                    + " characters, say what is wrong and why this action fixes it";
        }
        return null;
    }

    static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\t' || c == 0x7f) return true;
        }
        return false;
    }
}
