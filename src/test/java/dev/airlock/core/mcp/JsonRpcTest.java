package dev.airlock.core.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonRpcTest {

    private static JsonRpc.Message parse(String json) {
        return JsonRpc.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonRpc.Invalid invalid(String json, int code) {
        JsonRpc.Invalid i = assertInstanceOf(JsonRpc.Invalid.class, parse(json));
        assertEquals(code, i.code(), i.message());
        return i;
    }

    @Test
    void aToolCallIsARequestWithItsIdMethodAndParams() {
        var r = assertInstanceOf(JsonRpc.Request.class, parse(
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"list_volumes\"}}"));
        assertEquals(7, r.id().intValue());
        assertEquals("tools/call", r.method());
        assertEquals("list_volumes", r.params().get("name").textValue());
    }

    @Test
    void aMessageWithoutIdIsANotificationAndAbsentParamsAreEmpty() {
        var n = assertInstanceOf(JsonRpc.Notification.class, parse(
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"));
        assertEquals("notifications/initialized", n.method());
        assertTrue(n.params().isEmpty());
    }

    @Test
    void aClientAnswerIsAResponse() {
        assertInstanceOf(JsonRpc.Response.class, parse("{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"result\":{}}"));
        invalid("{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"result\":{},\"error\":{}}", JsonRpc.INVALID_REQUEST);
    }

    @Test
    void aDuplicateKeyIsRefusedSoNoServerReadsAnotherToolName() {
        var i = invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"list_volumes\","
                + "\"name\":\"delete_volume\"}}", JsonRpc.PARSE_ERROR);
        assertTrue(i.message().contains("duplicate"), i.message());
    }

    @Test
    void aBatchIsRefusedWithAReason() {
        var i = invalid("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}]", JsonRpc.INVALID_REQUEST);
        assertTrue(i.message().contains("batches"), i.message());
    }

    @Test
    void membersJsonRpcDoesNotDefineAreRefusedAndTheErrorKeepsTheId() {
        var i = invalid("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"method2\":\"x\"}",
                JsonRpc.INVALID_REQUEST);
        assertEquals(3, i.id().intValue());
    }

    @Test
    void idsAreStringsOrIntegersAndNeverNull() {
        invalid("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"tools/list\"}", JsonRpc.INVALID_REQUEST);
        invalid("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"tools/list\"}", JsonRpc.INVALID_REQUEST);
        invalid("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"tools/list\"}", JsonRpc.INVALID_REQUEST);
        invalid("{\"jsonrpc\":\"2.0\",\"id\":\"" + "x".repeat(JsonRpc.MAX_ID + 1) + "\",\"method\":\"tools/list\"}",
                JsonRpc.INVALID_REQUEST);
    }

    @Test
    void versionMethodAndParamsAreChecked() {
        invalid("{\"id\":1,\"method\":\"tools/list\"}", JsonRpc.INVALID_REQUEST);
        invalid("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"tools/list\"}", JsonRpc.INVALID_REQUEST);
        invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":42}", JsonRpc.INVALID_REQUEST);
        invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":[\"delete_volume\"]}",
                JsonRpc.INVALID_PARAMS);
    }

    @Test
    void notJsonOrTrailingContentIsAParseError() {
        invalid("{\"jsonrpc\":\"2.0\",", JsonRpc.PARSE_ERROR);
        invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"} {}", JsonRpc.PARSE_ERROR);
        invalid("", JsonRpc.PARSE_ERROR);
        invalid("\"tools/list\"", JsonRpc.INVALID_REQUEST);
    }

    @Test
    void errorsAreRenderedInJsonRpcForm() {
        var i = invalid("[]", JsonRpc.INVALID_REQUEST);
        var e = JsonRpc.error(i);
        assertEquals("2.0", e.get("jsonrpc").textValue());
        assertTrue(e.get("id").isNull());
        assertEquals(JsonRpc.INVALID_REQUEST, e.get("error").get("code").intValue());
    }
}
