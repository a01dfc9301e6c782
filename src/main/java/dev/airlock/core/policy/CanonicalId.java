package dev.airlock.core.policy;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The one canonical form of a resource id, the only form in which ids are ever compared: ownership, globs, the overlap
 * check, grant resources. Provider APIs and the frameworks in front of them often resolve {@code VOL-7F3A}, a
 * full-width {@code ｖｏｌ-７ｆ３ａ} or a Kelvin sign {@code K} to the same row as {@code vol-7f3a}; if Airlock
 * compared spellings instead, each of those would be a resource "not listed in the policy" that a staging token may
 * write, while the upstream writes production's.
 *
 * <p>The form is Unicode compatibility normalisation (NFKC, UAX #15), then a locale-independent case fold, repeated
 * until nothing changes. The fold is upper case then lower case with {@link Locale#ROOT}: that also unifies what a
 * plain lower-casing keeps apart but case-insensitive comparisons in the field treat as equal ({@code ß} and
 * {@code ss}, final and medial sigma, the dotless {@code ı} with {@code i}, which Java's {@code equalsIgnoreCase} and
 * .NET's {@code OrdinalIgnoreCase} both match). Folding can produce text that NFKC changes again (and the reverse),
 * hence the loop; every code point reaches its fixed point within three rounds ({@code CanonicalIdTest} checks all of
 * them), and the bound below only guards against a future Unicode table that would not.
 *
 * <p>Erring towards folding more is the safe direction: two ids that end up equal are treated as one resource, owned
 * by at most one environment, so the worst case is a refusal, never a staging token reaching a production resource.
 */
public final class CanonicalId {
    /** Rounds of NFKC and folding; three suffice for every code point in Java 17's tables. */
    static final int MAX_ROUNDS = 8;

    private CanonicalId() {}

    /** The canonical form of {@code id}: NFKC and case-folded, idempotent. */
    public static String of(String id) {
        // Asked on every check and every glob comparison: printable ASCII without upper case is already canonical
        // (NFKC leaves ASCII unchanged), and lower-casing ASCII needs no tables.
        boolean ascii = true;
        boolean upper = false;
        for (int i = 0; i < id.length() && ascii; i++) {
            char c = id.charAt(i);
            if (c >= 0x80) ascii = false;
            else if (c >= 'A' && c <= 'Z') upper = true;
        }
        if (ascii) return upper ? id.toLowerCase(Locale.ROOT) : id;
        String current = id;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            String next = Normalizer.normalize(current, Normalizer.Form.NFKC)
                    .toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
            next = Normalizer.normalize(next, Normalizer.Form.NFKC);
            if (next.equals(current)) return next;
            current = next;
        }
        return current;
    }

    /** Whether two ids name the same resource. */
    public static boolean same(String a, String b) {
        return of(a).equals(of(b));
    }
}
