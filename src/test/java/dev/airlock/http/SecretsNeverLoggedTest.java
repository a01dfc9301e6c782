package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.cli.Main;
import dev.airlock.core.crypto.Hashes;
import dev.airlock.core.crypto.SecretShapes;
import dev.airlock.testing.TestAirlock;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, finding 8: a secret an agent sends in the wrong field never reaches the audit log (hash-chained, so it
 * could not be removed afterwards) or the server's log. Each test greps the raw bytes of both.
 */
class SecretsNeverLoggedTest {
    TestAirlock airlock;
    String secret;
    final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    StreamHandler serverLog;

    @BeforeEach
    void start() throws Exception {
        // Added before the server starts, as a deployment's handlers are configured before 'serve' runs.
        serverLog = new StreamHandler(logBytes, new SimpleFormatter());
        Logger.getLogger("").addHandler(serverLog);
        airlock = TestAirlock.start();
        secret = airlock.issueSecret("coding-agent");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            airlock.close();
        } finally {
            Logger.getLogger("").removeHandler(serverLog);
        }
    }

    private String auditBytes() throws Exception {
        return new String(Files.readAllBytes(airlock.dataDir.resolve("audit.log")), StandardCharsets.UTF_8);
    }

    private String serverLogText() {
        serverLog.flush();
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    /** Neither file holds the secret, nor its random part alone; the audit log still verifies. */
    private void assertNowhere(String value) throws Exception {
        String tail = value.substring(value.length() - 16);
        for (String written : List.of(auditBytes(), serverLogText())) {
            assertFalse(written.contains(value), written);
            assertFalse(written.contains(tail), written);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute("audit", "verify", "--data", airlock.dataDir.toString());
        assertEquals(0, exit, out + "\n" + err);
    }

    private TestAirlock.Reply tokenRequest(String basicAuth, Map<String, String> params) throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.putAll(params);
        return airlock.postForm("/oauth2/token", basicAuth, p);
    }

    @Test
    void tokenWhenIdAndSecretAreSwappedInBasicThenTheSecretIsNotAuditedOrLogged() throws Exception {
        TestAirlock.Reply r = tokenRequest(TestAirlock.basic(secret, "coding-agent"), Map.of("environment", "staging"));
        assertEquals(401, r.status(), r.body());
        assertTrue(auditBytes().contains("\"client_id_sha256\":\"" + Hashes.sha256Hex(secret) + "\""), auditBytes());
        assertNowhere(secret);
    }

    @Test
    void tokenWhenTheClientIdIsUnknownThenItIsAuditedAsItsHashOnly() throws Exception {
        TestAirlock.Reply r = tokenRequest(TestAirlock.basic("alice-typed-her-name", "wrong"),
                Map.of("environment", "staging"));
        assertEquals(401, r.status(), r.body());
        String audit = auditBytes();
        assertTrue(audit.contains("\"client_id_sha256\":\"" + Hashes.sha256Hex("alice-typed-her-name") + "\""), audit);
        assertFalse(audit.contains("alice-typed-her-name"), audit);
    }

    @Test
    void tokenWhenTheSecretIsPastedIntoScopeThenItIsRedactedWithAFingerprint() throws Exception {
        TestAirlock.Reply r = tokenRequest(TestAirlock.basic("coding-agent", secret),
                Map.of("environment", "staging", "scope", "db:read " + secret));
        assertEquals(400, r.status(), r.body());
        assertTrue(auditBytes().contains(SecretShapes.markerFor(secret)), auditBytes());
        assertNowhere(secret);
    }

    @Test
    void tokenWhenTheSecretIsPastedIntoTheEnvironmentThenItIsNotAuditedOrLogged() throws Exception {
        TestAirlock.Reply r = tokenRequest(TestAirlock.basic("coding-agent", secret), Map.of("environment", secret));
        assertEquals(400, r.status(), r.body());
        assertTrue(auditBytes().contains("\"type\":\"token.refused\""), auditBytes());
        assertNowhere(secret);
    }

    @Test
    void tokenWhenAnAccessTokenIsPastedIntoAFieldThenItIsNotAuditedOrLogged() throws Exception {
        TestAirlock.Reply minted = airlock.token("coding-agent", secret, "staging", "db:read");
        assertEquals(200, minted.status(), minted.body());
        String jwt = minted.json().get("access_token").asText();
        TestAirlock.Reply r = tokenRequest(TestAirlock.basic("coding-agent", secret),
                Map.of("environment", "staging", "scope", jwt));
        assertEquals(400, r.status(), r.body());
        assertTrue(auditBytes().contains("[redacted JWT sha256:"), auditBytes());
        assertNowhere(jwt);
    }

    @Test
    void internalErrorWhenTheSecretIsInThePathThenTheLogLineRedactsIt() throws Exception {
        // The audit log cannot be written (as on a full disk): a proxy call, always audited, becomes a 500, whose
        // log line names the request path.
        airlock.airlock.audit.close();
        TestAirlock.Reply r = airlock.get("/proxy/" + secret + "/v1/volumes");
        assertEquals(500, r.status(), r.body());
        String log = serverLogText();
        assertTrue(log.contains("internal error") && log.contains("[redacted client secret sha256:"), log);
        assertFalse(log.contains(secret), log);
    }
}
