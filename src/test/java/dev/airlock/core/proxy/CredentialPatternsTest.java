package dev.airlock.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code credential_patterns:} in a provider file: validated at load with located errors that never quote the
 * pattern (a pasted token in its place must not reach a CI log), compiled once, bounded in count, length and
 * matching work; the shipped Railway file declares one.
 */
class CredentialPatternsTest {
    static Policy policy;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadPolicy() throws Exception {
        policy = PolicyLoader.load(Path.of("scopes"));
    }

    private static final String HEAD = """
            kind: rest
            upstream: https://api.example.com
            credential: {env: DEMO_TOKEN}
            inject: {header: Authorization, template: "Bearer {credential}"}
            rules:
              - {method: GET, path: "/v1/volumes/{id}", scope: volume:read, resources: [{from: path, name: id}]}
            """;

    private String problems(String patterns) throws Exception {
        Files.writeString(dir.resolve("demo.yaml"), HEAD + patterns);
        PolicyException e = assertThrows(PolicyException.class, () -> ProviderLoader.load(dir, policy));
        return String.join("\n", e.problems().stream().map(Object::toString).toList());
    }

    @Test
    void shippedRailwayFileDeclaresAPatternThatFindsItsTokenVariablesAndNothingElse() throws Exception {
        Provider railway = ProviderLoader.load(Path.of("scopes/providers"), policy).get("railway").orElseThrow();
        CredentialPatterns p = railway.credentialPatterns();
        assertEquals(1, p.size());
        String uuid = "3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a9b0c";
        assertEquals(List.of(uuid), p.find("RAILWAY_TOKEN=" + uuid).values(), "the group: the token, not the name");
        assertEquals(List.of(uuid), p.find("export RAILWAY_API_TOKEN=\"" + uuid + "\"").values());
        assertEquals(List.of(uuid), p.find("  RAILWAY_TOKEN: '" + uuid + "'").values());
        assertEquals(List.of(), p.find("projectId = \"" + uuid + "\"").values(), "a UUID alone is an id, not a token");
        assertEquals(List.of(), p.find("RAILWAY_TOKEN=${RAILWAY_TOKEN}").values());
    }

    @Test
    void loadWhenAPatternIsValidThenItIsCompiledOnceAndFound() throws Exception {
        Files.writeString(dir.resolve("demo.yaml"), HEAD + "credential_patterns:\n  - 'demo_live_[a-z0-9]{24}'\n");
        Provider demo = ProviderLoader.load(dir, policy).get("demo").orElseThrow();
        assertEquals(List.of("demo_live_[a-z0-9]{24}"), demo.credentialPatterns().texts());
    }

    @Test
    void loadWhenAPatternIsNotARegularExpressionThenLocatedErrorWithoutTheText() throws Exception {
        String p = problems("credential_patterns:\n  - 'demo_[a-z'\n");
        assertTrue(p.contains("/demo.yaml:8: credential_patterns[0]: credential pattern refused: not a valid regular"
                + " expression: Unclosed character class"), p);
        assertFalse(p.contains("demo_[a-z"), "the pattern is never quoted back: " + p);
    }

    @Test
    void loadWhenAPatternFindsOrdinaryTextThenTooBroad() throws Exception {
        String p = problems("credential_patterns:\n  - 'demo_[a-z]{8}'\n  - '[a-z]+'\n  - '.*'\n");
        assertTrue(p.contains("demo.yaml:9: credential_patterns[1]: credential pattern refused: too broad"), p);
        assertTrue(p.contains("demo.yaml:10: credential_patterns[2]: credential pattern refused: too broad"), p);
        assertTrue(p.contains("too broad: it matches an empty line"), p);
        assertFalse(p.contains("[0]"), "the good one is not reported: " + p);
    }

    @Test
    void loadWhenAPatternHasTwoCapturingGroupsThenRefused() throws Exception {
        String p = problems("credential_patterns:\n  - '(demo)_([a-z]{24})'\n");
        assertTrue(p.contains("credential_patterns[0]: credential pattern refused: more than one capturing group"), p);
    }

    @Test
    void loadWhenPatternsAreTooLongTooManyEmptyOrNotStringsThenRefused() throws Exception {
        assertTrue(problems("credential_patterns:\n  - 'd" + "[a-z]".repeat(60) + "'\n")
                .contains("longer than 256 characters"));
        StringBuilder many = new StringBuilder("credential_patterns:\n");
        for (int i = 0; i < 17; i++) many.append("  - 'demo").append(i).append("_[a-z]{24}'\n");
        assertTrue(problems(many.toString()).contains("credential_patterns: more than 16 patterns"));
        assertTrue(problems("credential_patterns: []\n").contains("credential_patterns: an empty list"));
        assertTrue(problems("credential_patterns:\n  - 12\n").contains("expected a regular expression as a string"));
        assertTrue(problems("credential_patterns: 'demo_[a-z]{24}'\n").contains("demo.yaml:7: credential_patterns"));
    }

    @Test
    void findWhenAPatternBacktracksOnALongLineThenItStopsAndSaysSo() {
        CredentialPatterns p = CredentialPatterns.of(List.of("(a|a)+\\1b"));
        CredentialPatterns.Found found = p.find("a".repeat(64));
        assertTrue(found.exhausted());
        assertEquals(List.of(), found.values());
        CredentialPatterns.Found one = CredentialPatterns.of(List.of("RAIL(WAY_[0-9]{4})")).find("RAILWAY_1234");
        assertEquals(List.of("WAY_1234"), one.values());
        assertFalse(one.toString().contains("WAY_1234"), "a Found never prints what it found: " + one);
    }
}
