package dev.airlock.core.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.policy.Agent;
import dev.airlock.testing.TestCore;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CheckService#preview}: an agent asks about itself ("would a token I could get here allow this?"), as the MCP
 * server's {@code check} tool does. Decided by the rules {@code /v1/check} applies, without minting anything.
 */
class CheckPreviewTest {
    @TempDir
    Path data;
    TestCore core;

    @BeforeEach
    void open() throws Exception {
        core = new TestCore(data);
    }

    @AfterEach
    void close() {
        core.close();
    }

    Decision preview(String agent, String environment, String action, String resource) throws Exception {
        Agent a = core.policy.agent(agent).orElseThrow();
        return core.check.preview(a, new CheckService.Request(null, environment, action, resource, "test")).get();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> fields(Decision d) {
        return (Map<String, Object>) d.guidance().get("fields");
    }

    @Test
    void previewWhenTheScopeIsTheAgentsAndTheResourceIsItsEnvironmentsThenAllowed() throws Exception {
        Decision d = preview("coding-agent", "staging", "volume:read", "vol-7f3a-stg");
        assertTrue(d.allowed(), d.reason());
        assertNull(d.token(), "nothing was minted");
    }

    @Test
    void previewWhenTheResourceBelongsToAnotherEnvironmentThenThatIsSaidFirstWithGuidanceForItsOwner() throws Exception {
        Decision d = preview("coding-agent", "staging", "volume:delete", "vol-7f3a");
        assertFalse(d.allowed());
        assertEquals("resource_in_other_environment", d.code(), d.reason());
        assertEquals("production", fields(d).get("environment"));
    }

    @Test
    void previewWhenTheScopeIsDestructiveThenGrantRequiredWithHowToAsk() throws Exception {
        Decision d = preview("coding-agent", "production", "volume:delete", "vol-7f3a");
        assertEquals("grant_required", d.code(), d.reason());
        assertTrue(d.reason().contains("destructive"), d.reason());
        assertEquals(true, d.guidance().get("agent_may_request"));
    }

    @Test
    void previewWhenTheAgentMayNotAskForTheScopeThenTheGuidanceSaysSo() throws Exception {
        Decision d = preview("deploy-bot", "production", "volume:delete", "vol-7f3a");
        assertEquals("grant_required", d.code(), d.reason());
        assertEquals(false, d.guidance().get("agent_may_request"));
    }

    @Test
    void previewWhenAnAutomaticScopeIsNotTheAgentsThenScopeMissing() throws Exception {
        Decision d = preview("coding-agent", "production", "db:write", null);
        assertEquals("scope_missing", d.code(), d.reason());
        assertNull(d.guidance());
    }

    @Test
    void previewWhenTheAgentGetsNothingInTheEnvironmentThenRefused() throws Exception {
        assertEquals("environment_not_allowed", preview("deploy-bot", "dev", "service:read", null).code());
        assertEquals("unknown_environment", preview("coding-agent", "prod", "db:read", null).code());
        assertEquals("unknown_action", preview("coding-agent", "staging", "db:nuke", null).code());
    }

    @Test
    void previewWhenTheEnvironmentIsFrozenThenRefused() throws Exception {
        core.store.setFrozen("staging", true).get();
        assertEquals("environment_frozen", preview("coding-agent", "staging", "db:read", null).code());
    }
}
