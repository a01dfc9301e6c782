package dev.airlock.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.testing.TestAirlock;

/** The SDK hands JSON-RPC error data over as maps and lists; tests read it as a tree. */
final class McpFixtureJson {
    private McpFixtureJson() {}

    static JsonNode tree(Object value) {
        return TestAirlock.JSON.valueToTree(value);
    }
}
