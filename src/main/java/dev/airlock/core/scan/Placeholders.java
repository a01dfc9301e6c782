package dev.airlock.core.scan;

import java.util.List;
import java.util.Locale;

/**
 * Values that stand for a credential without being one: what documentation, templates and test fixtures hold. A scan
 * that reports them is a scan people learn to ignore; one that skips a real credential because it "looks like" a
 * placeholder is worse, so each rule here is narrow and listed in docs/scan.md.
 */
final class Placeholders {
    /** Shorter values are flags, ids or so weak that a scan is not what protects them; placeholders mostly. */
    static final int MIN_LENGTH = 8;
    /**
     * Words that only placeholders contain. {@code EXAMPLE}: vendors' documented examples end in it
     * ({@code AKIAIOSFODNN7EXAMPLE}, {@code wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY}).
     */
    /**
     * Five characters or more, or with a separator: a random credential of 40 base62 characters contains a given
     * four-letter word about once in 25,000 (case folded), too often to drop real ones for it.
     */
    private static final List<String> WORDS = List.of("changeme", "change_me", "change-me", "replaceme", "replace_me",
            "replace-me", "your_", "your-", "yourtoken", "yoursecret", "yourkey", "placeholder", "example", "dummy",
            "redacted", "fixme", "insert_", "insert-", "xxxxx", "****", "....", "<your", "{{", "}}", "_here",
            "-here", "notreal", "not_real", "not-a-real", "fake_", "fake-", "_fake", "-fake");
    /** For tokens of a known format: the vendor's prefix is fixed, so only what follows it can be a sample. */
    private static final List<String> SAMPLES = List.of("example", "xxxxxx", "123456789", "abcdefgh", "000000");

    private Placeholders() {}

    /**
     * True for an empty value, a variable or command reference ({@code ${VAR}}, {@code $VAR}, {@code $(cmd)},
     * backticks, {@code %VAR%}), a template ({@code <your-token>}, {@code {{ token }}}), a placeholder word, a value of
     * fewer than 4 distinct characters ({@code xxx}, {@code 0000000000}), or one shorter than {@link #MIN_LENGTH}.
     */
    static boolean isPlaceholder(String raw) {
        String v = raw.strip();
        if (v.length() < MIN_LENGTH) return true;
        if (v.startsWith("$") || v.contains("${") || v.contains("$(") || v.indexOf('`') >= 0) return true;
        if (v.startsWith("%") && v.endsWith("%") || v.startsWith("<") && v.endsWith(">")) return true;
        String lower = v.toLowerCase(Locale.ROOT);
        for (String w : WORDS) {
            if (lower.contains(w)) return true;
        }
        return v.chars().distinct().count() < 4;
    }

    /**
     * True for a token of a known format that is a vendor's documented sample ({@code AKIAIOSFODNN7EXAMPLE}) or a
     * hand-made look-alike ({@code sk_live_xxxxxxxxxxxxxxxxxxxxxxxx}): its part after the prefix contains a sample
     * word or has fewer than 6 distinct characters. Narrower than {@link #isPlaceholder}: a random 36-character token
     * contains none of these words (less than once in 10^7).
     */
    static boolean isSampleToken(String token, int prefixLength) {
        String body = token.substring(Math.min(prefixLength, token.length()));
        String lower = body.toLowerCase(Locale.ROOT);
        for (String w : SAMPLES) {
            if (lower.contains(w)) return true;
        }
        return body.chars().distinct().count() < 6;
    }

    /**
     * True for a value that names where a secret is rather than being one: a path, a file URL, a public key. Only
     * for values found by variable name ({@code SSH_KEY=~/.ssh/id_ed25519}, {@code GPG_KEY_FILE=/run/...}).
     */
    static boolean isReference(String raw) {
        String v = raw.strip();
        return v.startsWith("/") || v.startsWith("~/") || v.startsWith("./") || v.startsWith("../")
                || v.startsWith("file:") || v.startsWith("ssh-rsa ") || v.startsWith("ssh-ed25519 ")
                || v.startsWith("ecdsa-sha2-") || v.startsWith("arn:") || v.startsWith("projects/");
    }
}
