package dev.airlock.core.policy;

import static dev.airlock.core.policy.PolicyLoaderTest.assertProblem;
import static dev.airlock.core.policy.ResourceLookupTest.env;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One canonical identity per resource (issue 12): ownership, globs and the overlap check compare ids in their
 * {@link CanonicalId canonical form}, so no spelling of production's {@code vol-7f3a} is "not listed in the policy".
 */
class ResourceSpellingTest {
    static final String FULL_WIDTH = "\uFF56\uFF4F\uFF4C-\uFF17\uFF46\uFF13\uFF41"; // ｖｏｌ-７ｆ３ａ

    final Environment staging = env("staging", "vol-7f3a-stg", "db-stg-*");
    final Environment production = env("production", "vol-7f3a", "Svc-Api-Prod", "db-prod-*");
    final Policy policy = new Policy(List.of(staging, production), List.of(), List.of());

    @Test
    void ownerOfWhenIdDiffersOnlyByCaseThenSameOwner() {
        for (String id : List.of("vol-7f3a", "VOL-7F3A", "Vol-7F3a", FULL_WIDTH, "svc-api-prod", "SVC-API-PROD")) {
            assertEquals("production", policy.ownerOf(id).orElseThrow(() -> new AssertionError(id)).name(), id);
        }
        assertEquals("staging", policy.ownerOf("VOL-7F3A-STG").orElseThrow().name());
    }

    @Test
    void ownerOfWhenGlobAndIdDifferOnlyByCaseThenGlobOwns() {
        assertEquals("production", policy.ownerOf("DB-PROD-ORDERS").orElseThrow().name());
        assertEquals("staging", policy.ownerOf("Db-Stg-\uFF58").orElseThrow().name());
    }

    @Test
    void patternsMatchingWhenIdSpelledDifferentlyThenTheSamePatterns() {
        List<ResourcePattern> expected = List.of(production.resources().get(0));
        assertEquals(expected, policy.patternsMatching(production, "vol-7f3a"));
        assertEquals(expected, policy.patternsMatching(production, "VOL-7F3A"));
        assertEquals(expected, policy.patternsMatching(production, FULL_WIDTH));
        assertEquals(List.of(production.resources().get(2)), policy.patternsMatching(production, "DB-PROD-X"));
    }

    @Test
    void globsMatchAndIntersectInCanonicalForm() {
        assertTrue(Glob.matches("vol-7f3a*", "VOL-7F3A-X"));
        assertTrue(Glob.matches("VOL-*", "vol-1"));
        assertTrue(Glob.matches("Vol-1", "vOL-1"));
        assertTrue(Glob.intersects("VOL-*", "vol-1"));
        assertTrue(Glob.intersects("vol-7f3a", "VOL-7F3A"));
        assertTrue(Glob.intersects("*-STG", "svc-*-stg"));
        assertFalse(Glob.intersects("svc-*-STG", "svc-*-dev"));
    }

    @Test
    void overlappingPairsWhenPlainIdsDifferOnlyByCaseThenTheyOverlap() {
        List<int[]> pairs = EnvironmentsSection.overlappingPairs(List.of("vol-7f3a", "VOL-7F3A"), List.of("production", "staging"));
        assertEquals(1, pairs.size());
    }

    @Test
    void loadWhenTwoResourcesDifferOnlyByNormalisationThenLocatedErrorsInAndAcrossEnvironments() {
        PolicyException e = PolicyLoaderTest.invalid("broken-resource-spelling");
        assertEquals(3, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), "environments.yaml", 7, "environments[0].resources[2]",
                "resource 'DB-STG-*' is listed twice in this environment (first at line 6; ids are compared"
                        + " case-insensitively after Unicode NFKC normalisation, so both are 'db-stg-*')");
        assertProblem(e.problems().get(1), "environments.yaml", 11, "environments[1].resources[0]",
                "resource 'vol-7f3a' in environment 'production' overlaps 'VOL-7F3A' in environment 'staging'"
                        + " (environments.yaml:4 environments[0].resources[0]; ids are compared case-insensitively after"
                        + " Unicode NFKC normalisation, so both are 'vol-7f3a')");
        assertProblem(e.problems().get(2), "environments.yaml", 14, "environments[1].resources[2]",
                "resource 'DB-Prod-Main' is listed twice in this environment (first at line 13");
    }

    @Test
    void lintWhenTwoResourcesDifferOnlyByNormalisationThenViolations() {
        LintReport report = PolicyLinter.lint(PolicyLoaderTest.FIXTURES.resolve("broken-resource-spelling"));
        assertEquals(LintReport.EXIT_VIOLATIONS, report.exitCode());
        assertEquals(3, report.violations().size(), report.toString());
    }

    @Test
    void lintWhenACodeBuiltPolicyGivesTwoSpellingsToTwoEnvironmentsThenViolation() {
        // The linter re-derives the overlap proof from the Policy value; its pairwise comparison goes through Glob.
        Policy built = new Policy(List.of(env("staging", "VOL-7F3A"), env("production", "vol-7f3a")), List.of(), List.of());
        LintReport report = PolicyLinter.check(built);
        assertEquals(1, report.violations().size(), report.toString());
        assertTrue(report.violations().get(0).problem().message().contains("overlaps"), report.toString());
    }
}
