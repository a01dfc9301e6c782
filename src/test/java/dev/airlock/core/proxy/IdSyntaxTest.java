package dev.airlock.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Providers declare the syntax of their ids; the default and every declared syntax admit no character a framework reinterprets. */
class IdSyntaxTest {
    static final IdSyntax DECLARED = IdSyntax.of(Map.of("volume", "vol-[a-z0-9]{4,}(-stg)?", "db", "db-[a-z0-9-]+"));

    @ParameterizedTest
    @ValueSource(strings = {"vol-7f3a", "VOL-7F3A", "12345", "a", "svc_api-stg", "3f2a9c4e-1b7d-4e8a-9f00-0c1d2e3f4a5b"})
    void defaultSyntaxWhenPlainIdThenAccepted(String id) throws Refusal {
        IdSyntax.DEFAULT.check(id, "volume", "path parameter {id}", "p");
    }

    @ParameterizedTest
    @ValueSource(strings = {"vol-7f3a.json", "vol-7f3a;v=1", "vol-7f3a/x", "vol-7f3a\\x", "vol%2D7f3a", "vol-7f3a ",
            "vol-7f3a\n", "vol-7f3a\t", "vol-7f3a:delete", "vol-7f3a~1", "vol-7f3a+x", "vol-7f3a,vol-9c1e", "-vol",
            "_vol", "vol-\uFF17f3a", "vol\u20107f3a", "vol-7f3a\u0000"})
    void defaultSyntaxWhenAFrameworkCouldReadAnotherIdThenBadResource(String id) {
        Refusal r = assertThrows(Refusal.class, () -> IdSyntax.DEFAULT.check(id, "volume", "path parameter {id}", "p"));
        assertEquals(MappingResult.BAD_RESOURCE, r.result().code());
        assertTrue(r.getMessage().contains("is not a volume id of provider 'p' (volume ids must match "
                + IdSyntax.DEFAULT_PATTERN + ", the default)"), r.getMessage());
    }

    @Test
    void defaultSyntaxWhenLongerThan128ThenRefused() {
        assertThrows(Refusal.class, () -> IdSyntax.DEFAULT.check("a".repeat(129), "volume", "x", "p"));
    }

    @Test
    void declaredSyntaxIsMatchedInFullPerTypeAndOtherTypesGetTheDefault() throws Refusal {
        DECLARED.check("vol-7f3a", "volume", "x", "p");
        DECLARED.check("vol-7f3a-stg", "volume", "x", "p");
        assertThrows(Refusal.class, () -> DECLARED.check("VOL-7F3A", "volume", "x", "p"));
        assertThrows(Refusal.class, () -> DECLARED.check("vol-7f3a-prod", "volume", "x", "p"));
        assertThrows(Refusal.class, () -> DECLARED.check("xvol-7f3a", "volume", "x", "p"), "a full match, not a find");
        DECLARED.check("db-prod-main", "db", "x", "p");
        DECLARED.check("SVC-ANY_1", "service", "x", "p");
        assertEquals(IdSyntax.DEFAULT_PATTERN, DECLARED.pattern("service"));
        Refusal r = assertThrows(Refusal.class, () -> DECLARED.check("db-1.json", "db", "body field /db", "p"));
        assertEquals("body field /db 'db-1.json' is not a db id of provider 'p' (db ids must match db-[a-z0-9-]+):"
                + " a framework could read it as another id", r.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vol-[a-z0-9]{4,}(-stg)?", "db-[a-z0-9-]+", "[A-Za-z0-9][A-Za-z0-9_-]{0,127}",
            "(?:vol|disk)-[0-9a-f]{8}", "[-a-z]+", "[a-z_-]*x", "a|b|c", "svc-[a-z0-9]+(-[a-z0-9]+)*"})
    void problemWhenOnlyIdCharactersClassesGroupsAndQuantifiersThenAccepted(String pattern) {
        assertNull(IdSyntax.problem(pattern), pattern);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "vol-.*",              // any character
            "vol-[a-z0-9]{4}\\.json", // an escaped dot
            "vol-\\S+",            // any non-space
            "vol-\\w+",            // escapes at all
            "vol-[^/]+",           // negated class
            "vol-[a-z.]+",         // '.' in a class
            "vol-[!-~]+",          // a range over punctuation
            "vol-[0-z]+",          // a range across blocks
            "vol-[a-z&&[^x]]+",    // class intersection
            "(?i)vol-[a-z]+",      // flags
            "vol-(?=x)[a-z]+",     // look-ahead
            "^vol-[a-z]+$",        // anchors
            "vol-[a-z]+;v",        // ';'
            "vol [a-z]+",          // a space
            "vol%[a-z]+",          // '%'
            "vol/[a-z]+",          // '/'
            "vol:[a-z]+",          // ':'
            "vol-\u00E9+",         // non-ASCII
            "vol-[a-z]*+",         // possessive
            "vol-[a-z]*?",         // lazy
            "vol-[a-z]{999}",      // count above the cap
            "vol-[a-z]{2,x}",      // malformed count
            "*vol",                // a quantifier with nothing to repeat
            "vol-[a-z",            // unclosed class
            "vol-(a",              // unbalanced group
            ""})
    void problemWhenThePatternCouldAdmitAnotherCharacterOrIsNotOurSyntaxThenRefused(String pattern) {
        assertNotNull(IdSyntax.problem(pattern), pattern);
    }

    @Test
    void ofWhenAPatternIsRefusedThenNamesTheType() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdSyntax.of(Map.of("volume", "vol-.*")));
        assertTrue(e.getMessage().startsWith("ids.volume: '.' at position 4 is not allowed"), e.getMessage());
    }

    @Test
    void checkWhenADeclaredPatternBacktracksPolynomiallyThenRefusedWithinTheStepBudget() {
        // Four stacked stars over 60 letters and a final mismatch: about 60^4/24 ways to split, far beyond the budget,
        // which refuses the id instead of letting an agent spend the proxy's CPU on the provider's own pattern.
        IdSyntax slow = IdSyntax.of(Map.of("volume", "[a-z]*[a-z]*[a-z]*[a-z]*-"));
        Refusal r = assertThrows(Refusal.class, () -> slow.check("a".repeat(60) + "b", "volume", "x", "p"));
        assertEquals(MappingResult.BAD_RESOURCE, r.result().code());
        assertTrue(r.getMessage().contains("took too long to match the volume id syntax of provider 'p'"), r.getMessage());
    }

    @Test
    void checkWhenAWellFormedPatternMeetsTheLongestIdThenWellWithinTheStepBudget() throws Refusal {
        IdSyntax shipped = IdSyntax.of(Map.of("volume", "vol-[a-z0-9]+(-[a-z0-9]+)*"));
        shipped.check("vol-" + "a1-".repeat(83) + "z", "volume", "x", "p");
        Refusal r = assertThrows(Refusal.class, () -> shipped.check("vol-" + "a1-".repeat(84), "volume", "x", "p"));
        assertTrue(r.getMessage().contains("is not a volume id"), "a plain mismatch, not the budget: " + r.getMessage());
    }
}
