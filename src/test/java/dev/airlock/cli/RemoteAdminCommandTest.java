package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, must-show 6: {@code --remote} runs the CLI's state-changing commands against a running server over HTTP,
 * with no shared disk (the command gets no {@code --data} of the server's), as the signed-in person of an admin
 * group, with a fresh code; when the command returns, the change is in effect in the server. The README's first two
 * steps ({@code agent add}, then at once a token) are the first test.
 */
class RemoteAdminCommandTest {
    @TempDir
    Path data;
    @TempDir
    Path tmp;
    TestAirlock airlock;
    TestAirlock.OpsUser pat;
    Path sessionFile;
    /** The CLI's own data directory: empty, never the server's. */
    Path elsewhere;

    @BeforeEach
    void start() throws Exception {
        Path policy = PolicyCopy.ofShipped().append("grants.yaml", "\nadmin_groups: [platform]\n").dir;
        airlock = TestAirlock.start(policy, data, JWSAlgorithm.EdDSA);
        pat = airlock.addOps("pat", "platform");
        sessionFile = tmp.resolve("ops-session");
        elsewhere = tmp.resolve("not-the-servers-data");
        OpsSessionFile.write(sessionFile, new OpsSessionFile.Session(airlock.base, "pat", airlock.opsSignIn(pat)));
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    Run remote(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--remote", "--code", airlock.freshCode(pat), "--session-file", sessionFile.toString(),
                "--data", elsewhere.toString()));
        return Runner.run(null, all.toArray(String[]::new));
    }

    @Test
    void agentAddThenATokenAtOnceWorks() throws Exception {
        Run add = remote("agent", "add", "coding-agent");
        assertEquals(0, add.exit(), add.err());
        String[] lines = add.out().strip().split("\n");
        String secret = lines[lines.length - 1];
        assertTrue(secret.startsWith("airlock_sk_"), add.out());
        assertEquals(200, airlock.token("coding-agent", secret, "staging", "volume:read").status());
    }

    @Test
    void freezeRevokeAndOpsChangesTakeEffectInTheServer() throws Exception {
        Run freeze = remote("env", "freeze", "staging");
        assertEquals(0, freeze.exit(), freeze.err());
        assertTrue(freeze.out().contains("environment staging frozen"), freeze.out());
        assertTrue(airlock.airlock.store.isFrozen("staging"));
        assertEquals(0, remote("env", "unfreeze", "staging").exit());
        assertFalse(airlock.airlock.store.isFrozen("staging"));

        // A jti Airlock issued (issue 16: one it never issued is refused, NothingToDoCommandTest).
        String token = airlock.token("coding-agent", airlock.issueSecret("coding-agent"), "staging", "volume:read")
                .json().get("access_token").asText();
        String jti = com.nimbusds.jwt.SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        assertEquals(0, remote("revoke", "--jti", jti).exit());
        assertTrue(airlock.airlock.store.isRevoked(jti));

        Run add = remote("ops", "add", "dana", "--group", "ops", "--no-qr");
        assertEquals(0, add.exit(), add.err());
        assertTrue(add.out().contains("Passphrase:") && add.out().contains("TOTP secret:"), add.out());
        assertEquals(0, remote("ops", "disable", "dana").exit());
        assertTrue(airlock.airlock.store.opsAccount("dana").orElseThrow().disabled());
    }

    @Test
    void aRefusalIsTheServersOwnWordsAndExitsOne() {
        Run r = remote("env", "freeze", "nowhere");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("unknown environment"), r.err());
        Run noSession = Runner.run(null, "env", "freeze", "staging", "--remote", "--code", "123456",
                "--session-file", tmp.resolve("none").toString());
        assertEquals(1, noSession.exit());
        assertTrue(noSession.err().contains("airlock grants login"), noSession.err());
    }
}
