package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
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
 * Issue 16: an operator's change with nothing to act on says so and exits 1, locally and with {@code --remote}:
 * {@code revoke --jti} of an id Airlock never issued (nothing written to the revocation list, no
 * {@code token.revoked}), and {@code env unfreeze} of an environment that is not frozen (no {@code env.unfrozen}).
 */
class NothingToDoCommandTest {
    /** The shape of an Airlock jti (22 base64url characters) that no issuance names. */
    static final String NEVER_ISSUED = "AAAAAAAAAAAAAAAAAAAAAA";

    @TempDir
    Path data;
    @TempDir
    Path tmp;
    TestAirlock airlock;
    TestAirlock.OpsUser pat;
    Path sessionFile;

    @BeforeEach
    void start() throws Exception {
        Path policy = PolicyCopy.ofShipped().append("grants.yaml", "\nadmin_groups: [platform]\n").dir;
        airlock = TestAirlock.start(policy, data, JWSAlgorithm.EdDSA);
        pat = airlock.addOps("pat", "platform");
        sessionFile = tmp.resolve("ops-session");
        OpsSessionFile.write(sessionFile, new OpsSessionFile.Session(airlock.base, "pat", airlock.opsSignIn(pat)));
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    Run local(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data", data.toString(), "--policy", airlock.airlock.config.policyDir().toString()));
        return Runner.run(null, all.toArray(String[]::new));
    }

    Run remote(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--remote", "--code", airlock.freshCode(pat), "--session-file", sessionFile.toString(),
                "--data", tmp.resolve("elsewhere").toString()));
        return Runner.run(null, all.toArray(String[]::new));
    }

    private long events(String type) throws Exception {
        return airlock.auditLines().stream().filter(l -> l.contains("\"type\":\"" + type + "\"")).count();
    }

    @Test
    void revokeJtiWhenNeverIssuedThenSaysSoExitsOneAndRevokesNothing() throws Exception {
        Run r = local("revoke", "--jti", NEVER_ISSUED);
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("Airlock never issued a token with jti " + NEVER_ISSUED), r.err());
        assertFalse(airlock.airlock.store.isRevoked(NEVER_ISSUED));
        assertEquals(0, events("token.revoked"));
        assertTrue(airlock.auditLines().stream().anyMatch(l -> l.contains("\"type\":\"token.revoke_refused\"")
                && l.contains(NEVER_ISSUED) && l.contains("never_issued")), "the refused attempt is audited");
    }

    @Test
    void revokeJtiWhenNotEvenAnAirlockIdThenRefusedWithoutAnyEvent() throws Exception {
        long before = airlock.auditLines().size();
        Run r = local("revoke", "--jti", "jti-seen-in-the-audit-log");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("not a token id Airlock issues"), r.err());
        assertEquals(before, airlock.auditLines().size(), "an id of another shape is neither looked up nor logged");
    }

    @Test
    void revokeJtiWhenIssuedThenRevokedLocallyAndRemotely() throws Exception {
        String secret = airlock.issueSecret("coding-agent");
        for (boolean overHttp : new boolean[] {false, true}) {
            String token = airlock.token("coding-agent", secret, "staging", "volume:read").json()
                    .get("access_token").asText();
            String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
            Run r = overHttp ? remote("revoke", "--jti", jti) : local("revoke", "--jti", jti);
            assertEquals(0, r.exit(), r.err());
            assertEquals("revoked " + jti, r.out().strip());
        }
        assertEquals(2, events("token.revoked"));
    }

    @Test
    void revokeJtiRemotelyWhenNeverIssuedThenTheServerSaysSoAndExitsOne() throws Exception {
        Run r = remote("revoke", "--jti", NEVER_ISSUED);
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("HTTP 404") && r.err().contains("never issued"), r.err());
        assertFalse(airlock.airlock.store.isRevoked(NEVER_ISSUED));
        assertEquals(0, events("token.revoked"));
    }

    @Test
    void unfreezeWhenNotFrozenThenSaysSoExitsOneAndWritesNoEvent() throws Exception {
        Run r = local("env", "unfreeze", "staging");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals("", r.out());
        assertEquals("environment staging is not frozen; nothing changed", r.err().strip());
        Run overHttp = remote("env", "unfreeze", "staging");
        assertEquals(1, overHttp.exit(), overHttp.out() + overHttp.err());
        assertTrue(overHttp.err().contains("HTTP 409") && overHttp.err().contains("not frozen"), overHttp.err());
        assertEquals(0, events("env.unfrozen"));
    }
}
