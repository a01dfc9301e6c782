package dev.airlock.core.oauth;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Parses the {@code scope} parameter (RFC 6749 §3.3: space-delimited, case-sensitive scope-tokens of NQCHAR).
 * Deliberate choices, each tested: runs of spaces and leading/trailing spaces are tolerated (many clients pad), a
 * duplicate counts once (scope is a set), anything else outside NQCHAR (tabs, newlines, non-ASCII, quotes,
 * backslashes) is refused rather than cleaned up, and the case is never folded.
 */
public final class ScopeParser {
    public static final int MAX_LENGTH = 1024;
    public static final int MAX_SCOPES = 32;

    private ScopeParser() {}

    /** @return the set of scope names; empty when the parameter is blank */
    public static Set<String> parse(String scope) throws IllegalArgumentException {
        Set<String> out = new LinkedHashSet<>();
        if (scope == null) return out;
        if (scope.length() > MAX_LENGTH) throw new IllegalArgumentException("scope longer than " + MAX_LENGTH + " characters");
        for (int i = 0; i < scope.length(); i++) {
            char c = scope.charAt(i);
            boolean nqchar = c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
            if (!nqchar && c != ' ') {
                throw new IllegalArgumentException("scope has a character outside RFC 6749 §3.3 (at position " + i + ")");
            }
        }
        for (String s : scope.split(" ")) {
            if (!s.isEmpty()) out.add(s);
        }
        if (out.size() > MAX_SCOPES) throw new IllegalArgumentException("more than " + MAX_SCOPES + " scopes");
        return out;
    }
}
