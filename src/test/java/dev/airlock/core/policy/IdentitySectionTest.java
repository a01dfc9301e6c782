package dev.airlock.core.policy;

import static dev.airlock.core.policy.PolicyLoaderTest.FIXTURES;
import static dev.airlock.core.policy.PolicyLoaderTest.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** identity.yaml, the trusted identity providers of RFC 8693 delegation: what it means and every way it is wrong. */
class IdentitySectionTest {
    static final String VALID = """
            issuers:
              - id: corp
                issuer: https://login.corp.test/
                jwks_uri: https://login.corp.test/keys
                audience: https://airlock.corp.test
                algorithms: [RS256, ES256]
                name_claim: preferred_username
                max_token_age: 30m
                agents: [coding-agent]
                ops_accounts:
                  frank: user-frank
            """;

    static Path policyWith(Path dir, String identity) throws Exception {
        for (String f : List.of("scopes.yaml", "environments.yaml", "agents.yaml")) {
            Files.copy(FIXTURES.resolve("valid-minimal").resolve(f), dir.resolve(f));
        }
        Files.writeString(dir.resolve("identity.yaml"), identity);
        return dir;
    }

    static PolicyProblem onlyProblem(Path dir) {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(dir));
        assertEquals(PolicyException.Kind.INVALID, e.kind(), e.getMessage());
        assertEquals(1, e.problems().size(), e.getMessage());
        return e.problems().get(0);
    }

    @Test
    void identityWhenAbsentThenNoIssuerIsTrusted() throws Exception {
        assertTrue(PolicyLoader.load(FIXTURES.resolve("valid-minimal")).trustedIssuers().isEmpty());
        assertTrue(PolicyLoader.load(Path.of("scopes")).trustedIssuers().isEmpty(), "the example trusts nobody");
    }

    @Test
    void identityWhenValidThenIssuerLoadedWithEveryField(@TempDir Path dir) throws Exception {
        Policy p = PolicyLoader.load(policyWith(dir, VALID));
        TrustedIssuer t = p.trustedIssuerByUrl("https://login.corp.test/").orElseThrow();
        assertEquals(new TrustedIssuer("corp", "https://login.corp.test/", URI.create("https://login.corp.test/keys"),
                "https://airlock.corp.test", Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), "sub", "preferred_username",
                Duration.ofMinutes(30), Set.of("coding-agent"), Map.of("frank", "user-frank")), t);
        assertEquals(t, p.trustedIssuer("corp").orElseThrow());
        assertTrue(p.trustedIssuerByUrl("https://login.corp.test").isEmpty(), "iss is compared exactly");
    }

    @Test
    void identityWhenJwksUriPlainHttpOffLoopbackThenLocatedError(@TempDir Path dir) throws Exception {
        PolicyProblem p = onlyProblem(policyWith(dir, VALID.replace("https://login.corp.test/keys",
                "http://login.corp.test/keys")));
        assertProblem(p, "identity.yaml", 4, "issuers[0].jwks_uri", "must be https");
    }

    @Test
    void identityWhenJwksUriOnLoopbackHttpThenAccepted(@TempDir Path dir) throws Exception {
        PolicyLoader.load(policyWith(dir, VALID.replace("https://login.corp.test/keys", "http://127.0.0.1:8081/keys")));
    }

    @Test
    void identityWhenHmacAlgorithmThenLocatedError(@TempDir Path dir) throws Exception {
        PolicyProblem p = onlyProblem(policyWith(dir, VALID.replace("[RS256, ES256]", "[RS256, HS256]")));
        assertProblem(p, "identity.yaml", 6, "issuers[0].algorithms[1]", "never none or HMAC");
    }

    @Test
    void identityWhenNoneAlgorithmThenLocatedError(@TempDir Path dir) throws Exception {
        PolicyProblem p = onlyProblem(policyWith(dir, VALID.replace("[RS256, ES256]", "[none]")));
        assertProblem(p, "identity.yaml", 6, "issuers[0].algorithms[0]", "never none or HMAC");
    }

    @Test
    void identityWhenUnknownAgentThenLocatedError(@TempDir Path dir) throws Exception {
        PolicyProblem p = onlyProblem(policyWith(dir, VALID.replace("[coding-agent]", "[coding-agent, ghost]")));
        assertProblem(p, "identity.yaml", 9, "issuers[0].agents[1]", "unknown agent 'ghost'");
    }

    @Test
    void identityWhenUnknownKeyThenLocatedError(@TempDir Path dir) throws Exception {
        PolicyProblem p = onlyProblem(policyWith(dir, VALID.replace("    max_token_age: 30m\n",
                "    max_token_age: 30m\n    jwks_cache: 1h\n")));
        assertProblem(p, "identity.yaml", 9, "issuers[0].jwks_cache", "unknown key 'jwks_cache'");
    }

    @Test
    void identityWhenMaxTokenAgeAboveADayThenLocatedError(@TempDir Path dir) throws Exception {
        PolicyProblem p = onlyProblem(policyWith(dir, VALID.replace("30m", "25h")));
        assertProblem(p, "identity.yaml", 8, "issuers[0].max_token_age", "at most 24h");
    }

    @Test
    void identityWhenIssuerListedTwiceThenLocatedError(@TempDir Path dir) throws Exception {
        String second = VALID.substring(VALID.indexOf("  - id: corp")).replace("id: corp", "id: corp2");
        PolicyProblem p = onlyProblem(policyWith(dir, VALID + second));
        assertProblem(p, "identity.yaml", 13, "issuers[1].issuer", "listed twice");
    }
}
