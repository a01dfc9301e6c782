package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import dev.airlock.testing.IndependentVerifier;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock token} and {@code airlock check}, in process against a real Airlock over HTTP: the token alone on
 * stdout (verified independently from the JWKS), refusals on stderr in the server's words, and exit codes a script
 * can branch on.
 */
class TokenCommandTest {
    @TempDir
    Path tmp;

    TestAirlock airlock;
    Path secretFile;

    @BeforeEach
    void start() throws Exception {
        airlock = TestAirlock.start();
        secretFile = tmp.resolve("secret");
        Files.writeString(secretFile, airlock.issueSecret("coding-agent") + "\n");
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    @Test
    void aSecretFileGetsATokenForThatEnvironmentAloneOnStdout() throws Exception {
        Run r = Runner.run(null, "token", "--url", airlock.base, "--client-id", "coding-agent", "--secret-file",
                secretFile.toString(), "--env", "staging", "--scope", "db:read");
        assertEquals(0, r.exit(), r.err());
        String token = r.out().strip();
        assertEquals(1, r.out().lines().count(), r.out());
        JWTClaimsSet claims = new IndependentVerifier(airlock.base, "urn:airlock:env:staging", airlock.clock).verify(token);
        assertEquals("staging", claims.getStringClaim("env"));
        assertEquals("db:read", claims.getStringClaim("scope"));
    }

    @Test
    void aKeyFileAgentGetsATokenWithAnAssertion() throws Exception {
        Run r = Runner.run(null, "token", "--url", airlock.base, "--client-id", "deploy-bot", "--key-file",
                "src/test/resources/keys/deploy-bot.private.jwk.json", "--env", "staging");
        assertEquals(0, r.exit(), r.err());
        JWTClaimsSet claims = new IndependentVerifier(airlock.base, "urn:airlock:env:staging", airlock.clock)
                .verify(r.out().strip());
        assertEquals("deploy-bot", claims.getStringClaim("client_id"));
    }

    @Test
    void aDestructiveScopeIsRefusedWithExitOneAndTheWayToAskAHuman() {
        Run r = Runner.run(null, "token", "--url", airlock.base, "--client-id", "coding-agent", "--secret-file",
                secretFile.toString(), "--env", "production", "--scope", "volume:delete");
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out(), "nothing a script could mistake for a token");
        assertTrue(r.err().startsWith("invalid_scope: "), r.err());
        assertTrue(r.err().contains("/v1/grants"), "the refusal says where to ask people: " + r.err());
    }

    @Test
    void noCredentialIsAUsageErrorNamingWhereASecretIsLookedFor() {
        Run r = Runner.run(null, "token", "--url", airlock.base, "--client-id", "coding-agent", "--secret-env",
                "AIRLOCK_TEST_UNSET_VARIABLE", "--env", "staging");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("AIRLOCK_TEST_UNSET_VARIABLE"), r.err());
        assertFalse(r.out().contains("."), r.out());
    }

    @Test
    void anUnreachableServerIsExitOneForTokenAndExitTwoForCheck() throws Exception {
        String dead = "http://127.0.0.1:" + TestAirlock.freePort();
        Run token = Runner.run(null, "token", "--url", dead, "--client-id", "coding-agent", "--secret-file",
                secretFile.toString(), "--env", "staging");
        assertEquals(1, token.exit(), token.err());
        assertTrue(token.err().contains("cannot reach Airlock at " + dead), token.err());
        // check's 1 means "Airlock said no"; not getting an answer must not look like a refusal, nor like a yes.
        Run check = Runner.run(null, "check", "--url", dead, "--token-env", "PATH", "--env", "staging", "--action",
                "db:read");
        assertEquals(2, check.exit(), check.err());
    }
}
