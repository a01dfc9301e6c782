package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The gateway's reading of an upstream's event stream, fed in arbitrary chunks as the network delivers them. */
class McpSseScannerTest {
    @Test
    void theAnswerWithOurIdIsFoundWhateverTheChunksAndOtherEventsBeforeIt() {
        String stream = "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\r\n\r\n"
                + ": comment\n" + "data: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n\n"
                + "data: {\"jsonrpc\":\"2.0\",\"id\":4,\n" + "data: \"result\":{\"text\":\"vol\u00e9\u20ac\"}}\n\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int size = 1; size <= bytes.length; size++) {
            McpUpstream.SseScanner scanner = new McpUpstream.SseScanner();
            ObjectNode found = null;
            for (int i = 0; i < bytes.length && found == null; i += size) {
                byte[] part = java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + size));
                found = scanner.feed(Buffer.buffer(part), 4);
            }
            assertNotNull(found, "chunks of " + size);
            assertEquals("vol\u00e9\u20ac", found.get("result").get("text").asText(), "chunks of " + size);
        }
        assertNull(new McpUpstream.SseScanner().feed(Buffer.buffer(bytes), 99));
    }
}
