package dev.airlock.core.policy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GlobTest {

    @Test
    void exactPatternMatchesOnlyItselfInAnySpelling() {
        assertTrue(Glob.matches("vol-7f3a", "vol-7f3a"));
        assertFalse(Glob.matches("vol-7f3a", "vol-7f3a-stg"));
        assertFalse(Glob.matches("vol-7f3a", "vol-7f3"));
        // Issue 12: ids are compared in canonical form (CanonicalId); VOL-7F3A is vol-7f3a spelled otherwise.
        assertTrue(Glob.matches("vol-7f3a", "VOL-7F3A"));
    }

    @Test
    void starMatchesAnyRunIncludingNone() {
        assertTrue(Glob.matches("vol-7f3a*", "vol-7f3a"));
        assertTrue(Glob.matches("vol-7f3a*", "vol-7f3a-stg"));
        assertTrue(Glob.matches("svc-*-stg", "svc-api-stg"));
        assertTrue(Glob.matches("svc-*-stg", "svc--stg"));
        assertFalse(Glob.matches("svc-*-stg", "svc-api-dev"));
        assertFalse(Glob.matches("svc-*-stg", "svc-stg"));
    }

    @Test
    void questionMarkAndBracketsAreLiteralCharacters() {
        assertTrue(Glob.matches("db-?", "db-?"));
        assertFalse(Glob.matches("db-?", "db-1"));
        assertFalse(Glob.matches("db-[12]", "db-1"));
    }

    @Test
    void severalStarsBacktrack() {
        assertTrue(Glob.matches("a*b*c", "axxbyyc"));
        assertTrue(Glob.matches("a*b*c", "abc"));
        assertTrue(Glob.matches("a*b*c", "abcbc"));
        assertFalse(Glob.matches("a*b*c", "acb"));
    }

    @Test
    void exactIdIntersectsAGlobThatMatchesIt() {
        assertTrue(Glob.intersects("vol-7f3a", "vol-7f3a*"));
        assertTrue(Glob.intersects("vol-7f3a*", "vol-7f3a"));
    }

    @Test
    void twoDifferentExactIdsDoNotIntersect() {
        assertFalse(Glob.intersects("vol-7f3a-stg", "vol-7f3a"));
        assertFalse(Glob.intersects("vol-7f3a", "vol-7f3a-stg"));
    }

    @Test
    void globsWithDifferentFixedSuffixesDoNotIntersect() {
        assertFalse(Glob.intersects("svc-*-stg", "svc-*-dev"));
        assertFalse(Glob.intersects("svc-*-stg", "svc-api-prod"));
    }

    @Test
    void aPrefixGlobIntersectsASuffixGlobSinceOneIdCanMatchBoth() {
        // svc-api-stg matches both.
        assertTrue(Glob.intersects("svc-*", "*-stg"));
        assertTrue(Glob.intersects("svc-*", "svc-*-stg"));
    }

    @Test
    void loneStarIntersectsAnything() {
        assertTrue(Glob.intersects("*", "db-prod-main"));
        assertTrue(Glob.intersects("svc-*-dev", "*"));
        assertTrue(Glob.intersects("*", ""));
        assertTrue(Glob.intersects("*", "*"));
    }

    @Test
    void starsOnBothSidesIntersectWhenTheLettersCanInterleave() {
        // "abxc" or "axbc" matches both a*b*c and *x*.
        assertTrue(Glob.intersects("a*b*c", "*x*"));
        assertTrue(Glob.intersects("*x*", "a*b*c"));
        // ...but no id starts with both a and b.
        assertFalse(Glob.intersects("a*", "b*"));
        assertFalse(Glob.intersects("*a", "*b"));
    }

    @Test
    void intersectsIsExactForIdsWitnessedByMatching() {
        String[] patterns = {"vol-*", "vol-7f3a*", "*-stg", "db-*-main", "db-prod-main", "x", "*", "a*b*c", "*x*"};
        String[] ids = {"vol-7f3a-stg", "vol-7f3a", "db-prod-main", "abxc", "x", "db--main", ""};
        // Soundness: any id matched by both patterns means they must intersect.
        for (String a : patterns) {
            for (String b : patterns) {
                for (String id : ids) {
                    if (Glob.matches(a, id) && Glob.matches(b, id)) {
                        assertTrue(Glob.intersects(a, b), a + " and " + b + " both match " + id);
                    }
                }
            }
        }
    }
}
