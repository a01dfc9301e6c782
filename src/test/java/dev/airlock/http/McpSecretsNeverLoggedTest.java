package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.cli.Main;
import dev.airlock.testing.TestAirlock;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A model that pastes the agent's client secret into a tool argument (it has seen it in its MCP configuration) must
 * not get it written to the audit log, which is hash-chained and cannot be cleaned afterwards, or the server log.
 */
class McpSecretsNeverLoggedTest {
    TestAirlock airlock;
    String secret;
    String basic;
    final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    StreamHandler serverLog;

    @BeforeEach
    void start() throws Exception {
        serverLog = new StreamHandler(logBytes, new SimpleFormatter());
        Logger.getLogger("").addHandler(serverLog);
        airlock = TestAirlock.start();
        secret = airlock.issueSecret("coding-agent");
        basic = TestAirlock.basic("coding-agent", secret);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            airlock.close();
        } finally {
            Logger.getLogger("").removeHandler(serverLog);
        }
    }

    private TestAirlock.Reply call(String tool, String arguments) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":" + arguments + "}}";
        return airlock.send(airlock.request("/mcp").header("Content-Type", "application/json")
                .header("Authorization", basic).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private String auditBytes() throws Exception {
        return new String(Files.readAllBytes(airlock.dataDir.resolve("audit.log")), StandardCharsets.UTF_8);
    }

    private void assertNowhere(String value) throws Exception {
        serverLog.flush();
        String tail = value.substring(value.length() - 16);
        for (String written : List.of(auditBytes(), logBytes.toString(StandardCharsets.UTF_8))) {
            assertFalse(written.contains(value), written);
            assertFalse(written.contains(tail), written);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute("audit", "verify", "--data", airlock.dataDir.toString());
        assertEquals(0, exit, out + "\n" + err);
    }

    @Test
    void requestGrantWhenTheSecretIsInTheReasonOrCommandThenItIsRefusedAndNeverStoredAuditedOrLogged() throws Exception {
        String reason = "the deploy fails; I authenticated with " + secret + " and vol-7f3a holds the stale copy";
        String command = "airlock-delete vol-7f3a --secret " + secret;
        for (String args : List.of(
                "{\"reason\":\"" + reason + "\"}",
                "{\"reason\":\"vol-7f3a holds the stale copy that breaks the deploy\",\"command\":\"" + command + "\"}")) {
            TestAirlock.Reply r = call("request_grant", "{\"environment\":\"production\",\"scopes\":[\"volume:delete\"],"
                    + "\"resources\":[\"vol-7f3a\"]," + args.substring(1));
            assertEquals(200, r.status(), r.body());
            assertTrue(r.json().get("result").get("isError").asBoolean(), r.body());
            assertEquals("secret_in_request", r.json().get("result").get("structuredContent").get("error").asText());
            assertFalse(r.body().contains(secret), "the refusal does not echo it");
        }
        assertTrue(auditBytes().contains("\"type\":\"grant.request_refused\""), auditBytes());
        assertFalse(auditBytes().contains("\"type\":\"grant.requested\""), auditBytes());
        assertNowhere(secret);
        // Nor in the stored state: no file of the data directory holds it.
        try (var files = Files.walk(airlock.dataDir)) {
            for (var f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(secret), f.toString());
            }
        }
    }

    @Test
    void getTokenWhenTheSecretIsTheEnvironmentOrAScopeThenItIsNotAuditedOrLogged() throws Exception {
        TestAirlock.Reply env = call("get_token", "{\"environment\":\"" + secret + "\"}");
        assertTrue(env.json().get("result").get("isError").asBoolean(), env.body());
        TestAirlock.Reply scope = call("get_token", "{\"environment\":\"staging\",\"scopes\":[\"" + secret + "\"]}");
        assertTrue(scope.json().get("result").get("isError").asBoolean(), scope.body());
        assertTrue(auditBytes().contains("\"type\":\"token.refused\""), auditBytes());
        assertNowhere(secret);
    }

    @Test
    void checkWhenTheSecretIsTheResourceThenThePreviewIsAuditedWithoutIt() throws Exception {
        TestAirlock.Reply r = call("check", "{\"environment\":\"staging\",\"action\":\"db:read\",\"resource\":\""
                + secret + "\"}");
        assertEquals(200, r.status(), r.body());
        assertTrue(auditBytes().contains("\"preview\":true"), auditBytes());
        assertNowhere(secret);
    }
}
