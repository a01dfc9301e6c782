package dev.airlock.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.mcp.ToolHints;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.policy.PolicyProblem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kind: mcp} provider files, read strictly, and the mapping of a tools/call to an action. */
class McpProviderTest {
    static Policy policy;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String HEAD = "kind: mcp\nupstream: https://mcp.example.com/mcp\ncredential:\n  env: X\ninject:\n"
            + "  header: Authorization\n  template: \"Bearer {credential}\"\ntools:\n";

    @TempDir
    Path dir;

    @BeforeAll
    static void loadPolicy() throws Exception {
        policy = PolicyLoader.load(Path.of("scopes"));
    }

    private List<String> problems(String tools) throws Exception {
        Files.writeString(dir.resolve("m.yaml"), HEAD + tools);
        PolicyException e = assertThrows(PolicyException.class, () -> ProviderLoader.load(dir, policy));
        return e.problems().stream().map(PolicyProblem::toString).toList();
    }

    private McpMapper mapper(String tools) throws Exception {
        Files.writeString(dir.resolve("m.yaml"), HEAD + tools);
        return (McpMapper) ProviderLoader.load(dir, policy).get("m").orElseThrow().mapper();
    }

    @Test
    void loadWhenToolNameIsDestructiveButScopeIsNotThenLocatedError() throws Exception {
        List<String> p = problems("  - tool: purge_volume\n    scope: volume:write\n    resources:\n"
                + "      - argument: /volumeId\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).endsWith("/m.yaml:10: tools[0].scope: tools/call purge_volume is destructive by its shape"
                + " (tool name 'purge_volume' contains the destructive word 'purge') and may map only to a destructive scope,"
                + " not the write scope 'volume:write'"), p.get(0));
        assertTrue(p.get(0).contains("destructive word 'purge'"), p.get(0));
    }

    @Test
    void loadWhenDestructiveToolNamesNoResourceThenLocatedError() throws Exception {
        List<String> p = problems("  - tool: delete_volume\n    scope: volume:delete\n    resources: none\n"
                + "    reason: all of them\n");
        assertTrue(p.toString().contains("cannot be resources: none"), p.toString());
    }

    @Test
    void loadWhenAToolSaysNothingAboutResourcesThenLocatedError() throws Exception {
        List<String> p = problems("  - tool: get_volume\n    scope: volume:read\n");
        assertTrue(p.toString().contains("must say where its resources come from"), p.toString());
    }

    @Test
    void loadWhenArgumentIsNotAJsonPointerOrToolTwiceOrKeyUnknownThenLocatedErrors() throws Exception {
        assertTrue(problems("  - tool: get_volume\n    scope: volume:read\n    resources:\n      - argument: volumeId\n")
                .toString().contains("JSON pointer"));
        assertTrue(problems("  - tool: get_volume\n    scope: volume:read\n    resources: none\n    reason: r\n"
                + "  - tool: Get_Volume\n    scope: volume:read\n    resources: none\n    reason: r\n")
                .toString().contains("already mapped"));
        assertTrue(problems("  - tool: get volume\n    scope: volume:read\n    resources: none\n    reason: r\n")
                .toString().contains("MCP tool name"));
        Files.writeString(dir.resolve("m.yaml"), HEAD.replace("tools:\n", "rules:\n") + "  - tool: x\n");
        assertThrows(PolicyException.class, () -> ProviderLoader.load(dir, policy));
    }

    @Test
    void mapWhenArgumentsNameAResourceThenTheActionCarriesItsCanonicalCheckableId() throws Exception {
        McpMapper m = mapper("  - tool: get_volume\n    scope: volume:read\n    resources:\n"
                + "      - argument: /target/id\n");
        MappingResult r = m.mapCall("get_volume", JSON.readTree("{\"target\":{\"id\":\"VOL-7F3A\"}}"), false);
        ProxyAction a = ((MappingResult.Mapped) r).actions().get(0);
        assertEquals("volume:read", a.scope());
        assertEquals(List.of("VOL-7F3A"), a.resources()); // canonicalised by the check (CheckService.Item)
        assertEquals("tools/call get_volume", a.operation());
    }

    @Test
    void mapWhenTheArgumentIsMissingRepeatedInAnotherSpellingOrNotAnIdThenRefused() throws Exception {
        McpMapper m = mapper("  - tool: get_volume\n    scope: volume:read\n    resources:\n"
                + "      - argument: /volumeId\n");
        for (String args : List.of("{}", "{\"volumeId\":null}", "{\"volumeId\":{}}", "{\"volumeId\":\"a b\"}",
                "{\"volumeId\":\"vol-1\",\"VOLUMEID\":\"vol-2\"}", "{\"volumeId\":[]}")) {
            MappingResult r = m.mapCall("get_volume", JSON.readTree(args), false);
            assertTrue(r instanceof MappingResult.Refused, args + " -> " + r);
        }
        assertTrue(m.mapCall("get_volume", JSON.readTree("[1]"), false) instanceof MappingResult.Refused);
    }

    @Test
    void mapWhenTheToolHasNoRuleThenUnmapped() throws Exception {
        McpMapper m = mapper("  - tool: list_volumes\n    scope: volume:read\n    resources: none\n    reason: r\n");
        MappingResult r = m.mapCall("delete_volume", JSON.readTree("{}"), false);
        assertEquals(MappingResult.UNMAPPED, ((MappingResult.Refused) r).code());
    }

    @Test
    void mapWhenTheUpstreamSaysDestructiveAndTheScopeIsNotThenRefused() throws Exception {
        McpMapper m = mapper("  - tool: create_snapshot\n    scope: volume:write\n    resources:\n"
                + "      - argument: /volumeId\n  - tool: delete_volume\n    scope: volume:delete\n    resources:\n"
                + "      - argument: /volumeId\n");
        JsonNode args = JSON.readTree("{\"volumeId\":\"vol-1\"}");
        assertEquals(McpMapper.DESTRUCTIVE_BY_HINT,
                ((MappingResult.Refused) m.mapCall("create_snapshot", args, true)).code());
        assertTrue(m.mapCall("create_snapshot", args, false) instanceof MappingResult.Mapped);
        assertTrue(m.mapCall("delete_volume", args, true) instanceof MappingResult.Mapped);
        McpRule snapshot = m.rule("create_snapshot").orElseThrow();
        assertFalse(m.destructive(snapshot, false));
        assertTrue(m.destructive(snapshot, true));
    }

    @Test
    void anMcpProviderIsNeverReachedThroughTheProxy() throws Exception {
        McpMapper m = mapper("  - tool: list_volumes\n    scope: volume:read\n    resources: none\n    reason: r\n");
        assertEquals(McpMapper.NOT_PROXIED, ((MappingResult.Refused) m.map(ProxyRequest.of("POST", "/", null))).code());
    }

    @Test
    void upstreamHintRaisesOnlyOnAnExplicitDestructiveHintWithoutReadOnly() throws Exception {
        assertTrue(ToolHints.announcedDestructive(JSON.readTree("{\"annotations\":{\"destructiveHint\":true}}")));
        assertFalse(ToolHints.announcedDestructive(JSON.readTree("{\"annotations\":{\"destructiveHint\":true,"
                + "\"readOnlyHint\":true}}")));
        assertFalse(ToolHints.announcedDestructive(JSON.readTree("{\"name\":\"x\"}")));
        assertFalse(ToolHints.announcedDestructive(JSON.readTree("{\"annotations\":{\"destructiveHint\":\"true\"}}")));
    }
}
