package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import dev.airlock.store.embedded.FileStateStore;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock agent list | disable | enable | revoke-tokens} and {@code agent add --revoke-tokens} (issue 16, part
 * 5): on a data directory, as the other state-changing commands, and with {@code --remote} on a running server.
 */
class AgentCommandTest {
    @TempDir
    Path data;
    @TempDir
    Path tmp;

    Run local(String... args) {
        List<String> all = new ArrayList<>(List.of("agent"));
        all.addAll(List.of(args));
        all.addAll(List.of("--data", data.toString(), "--policy", "scopes"));
        return Runner.run(null, all.toArray(String[]::new));
    }

    @Test
    void disableEnableAndRevokeTokensChangeTheDataDirectoryWithAnAuditEventEach() throws Exception {
        assertEquals(0, local("add", "coding-agent").exit());
        Run off = local("disable", "coding-agent");
        assertEquals(0, off.exit(), off.err());
        assertTrue(off.out().contains("coding-agent is disabled"), off.out());
        Instant before = Instant.now();
        Run revoke = local("revoke-tokens", "coding-agent");
        assertEquals(0, revoke.exit(), revoke.err());
        assertTrue(revoke.out().contains("at or before"), revoke.out());
        assertTrue(revoke.out().contains("does not count them"), "says it cannot know how many: " + revoke.out());
        try (FileStateStore s = FileStateStore.openReadOnly(data, Clock.systemUTC())) {
            assertTrue(s.isAgentDisabled("coding-agent"));
            Instant until = s.agentTokensVoidUntil("coding-agent").orElseThrow();
            assertFalse(until.isBefore(Instant.ofEpochSecond(before.getEpochSecond())), until.toString());
        }
        Run list = local("list", "--json");
        assertEquals(0, list.exit(), list.err());
        JsonNode agents = AirlockHttp.JSON.readTree(list.out());
        JsonNode coding = agents.get(0);
        assertEquals("coding-agent", coding.path("id").asText());
        assertTrue(coding.path("disabled").asBoolean());
        assertTrue(coding.path("has_secret").asBoolean());
        assertFalse(coding.path("tokens_void_until").isNull());
        assertEquals(0, local("enable", "coding-agent").exit());
        Run table = local("list");
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("coding-agent") && l.contains("enabled")
                && l.contains("dev,production,staging")), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("deploy-bot") && l.contains("(key)")), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("api-gateway")
                && l.endsWith("introspects:production,staging")), table.out());
        String audit = java.nio.file.Files.readString(data.resolve("audit.log"));
        for (String type : List.of("agent.disabled", "agent.tokens_revoked", "agent.enabled")) {
            assertTrue(audit.contains("\"type\":\"" + type + "\""), type);
        }
        Run unknown = local("disable", "nobody");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("no agent 'nobody'"), unknown.err());
    }

    @Test
    void agentAddSaysWhatHappensToLiveTokensAndRevokesThemWithRevokeTokens() throws Exception {
        Run plain = local("add", "coding-agent");
        assertEquals(0, plain.exit(), plain.err());
        assertTrue(plain.err().contains("stay valid until they expire"), plain.err());
        assertTrue(plain.err().contains("airlock agent revoke-tokens coding-agent"), plain.err());
        String[] lines = plain.out().strip().split("\n");
        assertTrue(lines[lines.length - 1].startsWith("airlock_sk_"), "the secret is still the last line");
        try (FileStateStore s = FileStateStore.openReadOnly(data, Clock.systemUTC())) {
            assertTrue(s.agentTokensVoidUntil("coding-agent").isEmpty());
        }
        Run both = local("add", "coding-agent", "--revoke-tokens");
        assertEquals(0, both.exit(), both.err());
        assertTrue(both.err().contains("is revoked"), both.err());
        try (FileStateStore s = FileStateStore.openReadOnly(data, Clock.systemUTC())) {
            assertTrue(s.agentTokensVoidUntil("coding-agent").isPresent());
        }
    }

    @Test
    void overRemoteTheSameCommandsChangeTheRunningServer() throws Exception {
        Path policy = PolicyCopy.ofShipped().append("grants.yaml", "\nadmin_groups: [platform]\n").dir;
        try (TestAirlock airlock = TestAirlock.start(policy, tmp.resolve("server"), JWSAlgorithm.EdDSA)) {
            TestAirlock.OpsUser pat = airlock.addOps("pat", "platform");
            Path sessionFile = tmp.resolve("ops-session");
            OpsSessionFile.write(sessionFile, new OpsSessionFile.Session(airlock.base, "pat", airlock.opsSignIn(pat)));
            java.util.function.Function<String[], Run> remote = args -> {
                List<String> all = new ArrayList<>(List.of("agent"));
                all.addAll(List.of(args));
                all.addAll(List.of("--remote", "--session-file", sessionFile.toString(), "--data", data.toString()));
                if (!args[0].equals("list")) all.addAll(List.of("--code", airlock.freshCode(pat)));
                return Runner.run(null, all.toArray(String[]::new));
            };
            Run off = remote.apply(new String[] {"disable", "coding-agent"});
            assertEquals(0, off.exit(), off.err());
            assertTrue(airlock.airlock.store.isAgentDisabled("coding-agent"));
            Run revoke = remote.apply(new String[] {"revoke-tokens", "coding-agent"});
            assertEquals(0, revoke.exit(), revoke.err());
            assertTrue(airlock.airlock.store.agentTokensVoidUntil("coding-agent").isPresent());
            Run list = remote.apply(new String[] {"list", "--json"});
            assertEquals(0, list.exit(), list.err());
            assertTrue(AirlockHttp.JSON.readTree(list.out()).get(0).path("disabled").asBoolean(), list.out());
            assertEquals(0, remote.apply(new String[] {"enable", "coding-agent"}).exit());
            assertFalse(airlock.airlock.store.isAgentDisabled("coding-agent"));
            Run add = remote.apply(new String[] {"add", "coding-agent"});
            assertEquals(0, add.exit(), add.err());
            assertTrue(add.err().contains("stay valid until they expire"), add.err());
        }
    }
}
