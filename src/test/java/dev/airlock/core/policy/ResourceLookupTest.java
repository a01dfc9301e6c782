package dev.airlock.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The fast paths of resource lookups (exact ids by equality and hashing, glob pairs pre-filtered by their fixed
 * prefix and suffix) give exactly the answers of the plain algorithms they short-cut, checked exhaustively over
 * small patterns where stars, repeats and prefixes of each other all occur.
 */
class ResourceLookupTest {
    /** Every pattern over {a, b, *} up to four characters: 121 of them, so 14,641 pairs. */
    static List<String> patterns() {
        List<String> out = new ArrayList<>(List.of(""));
        List<String> last = List.of("");
        for (int len = 1; len <= 4; len++) {
            List<String> next = new ArrayList<>();
            for (String p : last) for (char c : new char[] {'a', 'b', '*'}) next.add(p + c);
            out.addAll(next);
            last = next;
        }
        return out;
    }

    @Test
    void intersectsAgreesWithTheFullSearchOnEveryPairOfSmallPatterns() {
        List<String> all = patterns();
        for (String a : all) {
            for (String b : all) {
                assertEquals(reference(a, 0, b, 0, new Boolean[a.length() + 1][b.length() + 1]), Glob.intersects(a, b),
                        () -> "intersects(\"" + a + "\", \"" + b + "\")");
            }
        }
    }

    @Test
    void matchesAgreesWithTheWildcardLoopOnEveryPatternAndId() {
        List<String> all = patterns();
        for (String pattern : all) {
            for (String id : all) {
                if (id.indexOf('*') >= 0) continue;
                assertEquals(referenceMatches(pattern, id), Glob.matches(pattern, id),
                        () -> "matches(\"" + pattern + "\", \"" + id + "\")");
            }
        }
    }

    @Test
    void ownerOfIsTheFirstEnvironmentInOrderThatOwnsTheId() {
        // Overlaps on purpose (the loader refuses them, but the linter builds such policies to report them): the
        // index must answer what a scan of every environment in order answers.
        Environment first = env("first", "x-*", "shared", "only-first");
        Environment second = env("second", "shared", "*-2", "x-2");
        Environment third = env("third", "*", "only-third");
        Policy policy = new Policy(List.of(first, second, third), List.of(), List.of());
        for (String id : List.of("x-1", "x-2", "shared", "only-first", "a-2", "only-third", "zzz", "", "*")) {
            Optional<Environment> scan = Optional.empty();
            for (Environment e : policy.environments()) {
                if (e.owns(id)) {
                    scan = Optional.of(e);
                    break;
                }
            }
            assertEquals(scan, policy.ownerOf(id), id);
        }
        assertEquals(Optional.empty(), new Policy(List.of(env("solo", "a", "b*")), List.of(), List.of()).ownerOf("c"));
        assertEquals("solo", new Policy(List.of(env("solo", "a", "b*")), List.of(), List.of()).ownerOf("bee")
                .orElseThrow().name());
    }

    @Test
    void patternsMatchingIsTheScanOfTheEnvironmentsResourcesInFileOrder() {
        // Exact ids before, between and after globs, several globs matching one id, an exact id also matched by a
        // glob: the index must list what filtering environment.resources() lists, in the same order.
        Environment mixed = env("mixed", "ab", "a*", "b", "*b", "aa", "*", "ba");
        Environment plain = env("plain", "x", "y");
        Environment globs = env("globs", "x*", "*y");
        Policy policy = new Policy(List.of(mixed, plain, globs), List.of(), List.of());
        List<String> ids = new ArrayList<>(List.of("x", "y", "xy", "zz"));
        for (String id : patterns()) if (id.indexOf('*') < 0) ids.add(id);
        for (Environment e : List.of(mixed, plain, globs)) {
            for (String id : ids) {
                List<ResourcePattern> scan = e.resources().stream().filter(r -> r.matches(id)).toList();
                assertEquals(scan, policy.patternsMatching(e, id), e.name() + " " + id);
            }
        }
    }

    static Environment env(String name, String... resources) {
        List<ResourcePattern> r = new ArrayList<>();
        for (String id : resources) r.add(new ResourcePattern(id, null));
        return new Environment(name, Environment.defaultAudience(name), Duration.ofMinutes(10), r);
    }

    /** The memoised search that {@link Glob#intersects} short-cuts, as it was before the fast paths. */
    static boolean reference(String a, int i, String b, int j, Boolean[][] memo) {
        if (memo[i][j] != null) return memo[i][j];
        boolean r;
        if (i == a.length() && j == b.length()) {
            r = true;
        } else if (i < a.length() && a.charAt(i) == '*') {
            r = reference(a, i + 1, b, j, memo) || (j < b.length() && reference(a, i, b, j + 1, memo));
        } else if (j < b.length() && b.charAt(j) == '*') {
            r = reference(a, i, b, j + 1, memo) || (i < a.length() && reference(a, i + 1, b, j, memo));
        } else {
            r = i < a.length() && j < b.length() && a.charAt(i) == b.charAt(j) && reference(a, i + 1, b, j + 1, memo);
        }
        memo[i][j] = r;
        return r;
    }

    /** Wildcard matching by brute-force recursion, independent of {@link Glob#matches}. */
    static boolean referenceMatches(String p, String t) {
        if (p.isEmpty()) return t.isEmpty();
        if (p.charAt(0) == '*') {
            for (int k = 0; k <= t.length(); k++) {
                if (referenceMatches(p.substring(1), t.substring(k))) return true;
            }
            return false;
        }
        return !t.isEmpty() && p.charAt(0) == t.charAt(0) && referenceMatches(p.substring(1), t.substring(1));
    }
}
