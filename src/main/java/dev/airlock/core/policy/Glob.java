package dev.airlock.core.policy;

/**
 * Resource-id globs: {@code *} matches any run of characters (including none); every other character
 * matches itself. No {@code ?}, no classes: ids are opaque and the fewer surprises, the better. Pattern and id are
 * compared in their {@link CanonicalId canonical form}, so {@code vol-7f3a*} matches {@code VOL-7F3A-x} and
 * {@code VOL-*} and {@code vol-1} intersect: a glob owns every spelling of the ids it names.
 */
public final class Glob {
    private Glob() {}

    /** Whether {@code pattern} has a star; without one it matches only itself. */
    public static boolean isGlob(String pattern) {
        return pattern.indexOf('*') >= 0;
    }

    public static boolean matches(String pattern, String text) {
        return matchesCanonical(CanonicalId.of(pattern), CanonicalId.of(text));
    }

    private static boolean matchesCanonical(String pattern, String text) {
        // Most resources are exact ids, and every check compares an id against a whole environment's list of them:
        // without a star, equality is the whole test (and String.equals is an intrinsic that rejects on length).
        if (!isGlob(pattern)) return pattern.equals(text);
        // Iterative wildcard matching with single backtrack point: O(n*m) worst case, no recursion.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.length()) {
            if (p < pattern.length() && pattern.charAt(p) != '*' && pattern.charAt(p) == text.charAt(t)) {
                p++;
                t++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = t;
            } else if (star >= 0) {
                p = star + 1;
                t = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') p++;
        return p == pattern.length();
    }

    /** True if some id matches both globs: then two environments would claim the same resource. */
    public static boolean intersects(String rawA, String rawB) {
        String a = CanonicalId.of(rawA);
        String b = CanonicalId.of(rawB);
        // Lint and the loader ask this for many pairs of resources, so the common cases are answered without the
        // quadratic search below.
        boolean globA = isGlob(a);
        boolean globB = isGlob(b);
        if (!globA && !globB) return a.equals(b);
        if (!globA) return matchesCanonical(b, a);
        if (!globB) return matchesCanonical(a, b);
        // Every id matching a glob starts with the text before its first star and ends with the text after its
        // last: if those of the two globs disagree, no id matches both.
        String prefixA = a.substring(0, a.indexOf('*'));
        String prefixB = b.substring(0, b.indexOf('*'));
        if (!prefixA.startsWith(prefixB) && !prefixB.startsWith(prefixA)) return false;
        String suffixA = a.substring(a.lastIndexOf('*') + 1);
        String suffixB = b.substring(b.lastIndexOf('*') + 1);
        if (!suffixA.endsWith(suffixB) && !suffixB.endsWith(suffixA)) return false;
        Boolean[][] memo = new Boolean[a.length() + 1][b.length() + 1];
        return intersects(a, 0, b, 0, memo);
    }

    private static boolean intersects(String a, int i, String b, int j, Boolean[][] memo) {
        if (memo[i][j] != null) return memo[i][j];
        boolean r;
        if (i == a.length() && j == b.length()) {
            r = true;
        } else if (i < a.length() && a.charAt(i) == '*') {
            // a's star matches nothing more, or swallows b's next symbol (a character, or a run b's star matched).
            r = intersects(a, i + 1, b, j, memo) || (j < b.length() && intersects(a, i, b, j + 1, memo));
        } else if (j < b.length() && b.charAt(j) == '*') {
            r = intersects(a, i, b, j + 1, memo) || (i < a.length() && intersects(a, i + 1, b, j, memo));
        } else {
            r = i < a.length() && j < b.length() && a.charAt(i) == b.charAt(j) && intersects(a, i + 1, b, j + 1, memo);
        }
        memo[i][j] = r;
        return r;
    }
}
