package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: the token endpoint and the grant endpoint never send an agent to each other in a loop. In the example
 * policy coding-agent has only db:read in production and may ask people for volume:delete, db:drop and
 * service:delete there: db:write (automatic, not given to it there) and project:delete (destructive, not grantable)
 * it may have from neither. Both endpoints say so in the same words, name agents.yaml and who to ask, and neither
 * points to the other; the CLI relays that.
 */
class NoLoopBetweenTokenAndGrantTest {
    static final String REASON = "the migration needs write access to the main database for one schema change";

    @TempDir
    Path tmp;
    TestAirlock airlock;
    String secret;

    @BeforeEach
    void start() throws Exception {
        airlock = TestAirlock.start();
        secret = airlock.issueSecret("coding-agent");
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    private Reply grant(String scope, String resource) throws Exception {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("environment", "production");
        b.put("scopes", List.of(scope));
        b.put("resources", List.of(resource));
        b.put("reason", REASON);
        return airlock.agentPost("/v1/grants", TestAirlock.basic("coding-agent", secret), b);
    }

    private static void assertNotAtAll(String said, String scope) {
        assertTrue(said.contains("coding-agent may not have " + scope + " in production at all"), said);
        assertTrue(said.contains("agents.yaml") && said.contains("ask the person you work for"), said);
    }

    @Test
    void automaticScopeNotGivenInTheEnvironmentThenBothEndpointsSayNotAtAllAndNeitherPointsToTheOther()
            throws Exception {
        Reply token = airlock.token("coding-agent", secret, "production", "db:write");
        assertEquals(400, token.status(), token.body());
        String d = token.json().path("error_description").asText();
        assertNotAtAll(d, "db:write");
        assertFalse(d.contains("/v1/grants"), d);
        assertFalse(token.json().path("grant_request").path("agent_may_request").asBoolean(true), token.body());

        Reply grant = grant("db:write", "db-prod-main");
        assertEquals(403, grant.status(), grant.body());
        assertEquals("scope_not_grantable", grant.json().path("code").asText(), grant.body());
        assertNotAtAll(grant.json().path("detail").asText(), "db:write");
        assertTrue(grant.json().path("token_endpoint").isMissingNode(), "not sent back to the token endpoint: "
                + grant.body());
    }

    @Test
    void destructiveScopeNotGrantableThenBothEndpointsSayNotAtAll() throws Exception {
        Reply token = airlock.token("coding-agent", secret, "production", "project:delete");
        assertEquals(400, token.status(), token.body());
        assertNotAtAll(token.json().path("error_description").asText(), "project:delete");
        Reply grant = grant("project:delete", "prj-main");
        assertEquals(403, grant.status(), grant.body());
        assertNotAtAll(grant.json().path("detail").asText(), "project:delete");
    }

    @Test
    void checkOfAScopeTheAgentMayNotAskForThenGuidanceSaysItMayNotRequest() throws Exception {
        String t = airlock.token("coding-agent", secret, "production", "db:read").json().path("access_token").asText();
        JsonNode d = airlock.check(t, "production", "project:delete", "prj-main").json();
        assertFalse(d.path("allowed").asBoolean(true), d.toString());
        assertFalse(d.path("grant_request").path("agent_may_request").asBoolean(true), d.toString());
        JsonNode may = airlock.check(t, "production", "volume:delete", "vol-7f3a").json();
        assertTrue(may.path("grant_request").path("agent_may_request").asBoolean(false), may.toString());
    }

    @Test
    void theCliRelaysNotAtAllAndNoWayRound() throws Exception {
        Path secretFile = Files.writeString(tmp.resolve("secret"), secret);
        String[] auth = {"--url", airlock.base, "--client-id", "coding-agent", "--secret-file", secretFile.toString()};
        Run token = Runner.run(null, concat(new String[] {"token"}, auth, "--env", "production", "--scope", "db:write"));
        assertEquals(1, token.exit(), token.err());
        assertNotAtAll(token.err(), "db:write");
        assertFalse(token.err().contains("airlock grant request"), token.err());
        Run grant = Runner.run(null, concat(new String[] {"grant", "request"}, auth, "--env", "production", "--scope",
                "db:write", "--resource", "db-prod-main", "--reason", REASON));
        assertEquals(1, grant.exit(), grant.err());
        assertNotAtAll(grant.err(), "db:write");
        assertFalse(grant.err().contains("get it without people"), grant.err());
    }

    private static String[] concat(String[] command, String[] auth, String... rest) {
        java.util.List<String> all = new java.util.ArrayList<>(List.of(command));
        all.addAll(List.of(auth));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }
}
