package dev.airlock.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A provider's MCP server started by the test (Streamable HTTP, MCP 2025-06-18, on the JDK's own HTTP server so nothing
 * of Airlock's stack is on this side). It records every request exactly as received (headers and body), answers
 * {@code initialize} with a session id, {@code tools/list} from {@link #tools} (paged when asked), and
 * {@code tools/call} with a text naming the tool and its arguments; as JSON or, when {@link #sse} is set, as an SSE
 * stream with a notification before the answer.
 */
public final class McpRecorder implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One request as the upstream saw it. Header names are lower case. */
    public record Received(Map<String, List<String>> headers, byte[] body) {
        public List<String> header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError(new String(body, StandardCharsets.UTF_8), e);
            }
        }

        public String method() {
            return json().path("method").asText();
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Set<String> sessions = ConcurrentHashMap.newKeySet();
    private volatile List<ObjectNode> tools = defaultTools();
    private volatile int pageSize = 0;
    private volatile boolean sse;

    private McpRecorder(HttpServer server) {
        this.server = server;
    }

    public static McpRecorder start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        McpRecorder r = new McpRecorder(server);
        server.createContext("/", r::handle);
        server.setExecutor(r.pool);
        server.start();
        return r;
    }

    /** The MCP endpoint URL. */
    public String url() {
        return base() + "/mcp";
    }

    /** The server's origin, for a REST provider pointed at this recorder (every request is recorded, any path). */
    public String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The volumes server's tools: the four the shipped provider maps, and one it does not. */
    public static List<ObjectNode> defaultTools() {
        List<ObjectNode> out = new ArrayList<>();
        out.add(tool("list_volumes", "List volumes.", null));
        out.add(tool("get_volume", "Read one volume.", "volumeId"));
        out.add(tool("create_snapshot", "Snapshot a volume.", "volumeId"));
        ObjectNode delete = tool("delete_volume", "Delete a volume and its data.", "volumeId");
        delete.putObject("annotations").put("destructiveHint", true);
        out.add(delete);
        out.add(tool("run_shell", "Run a shell command on the host.", "command"));
        return out;
    }

    public static ObjectNode tool(String name, String description, String argument) {
        ObjectNode t = JSON.createObjectNode();
        t.put("name", name);
        t.put("description", description);
        ObjectNode schema = t.putObject("inputSchema");
        schema.put("type", "object");
        if (argument != null) {
            schema.putObject("properties").putObject(argument).put("type", "string");
            schema.putArray("required").add(argument);
        }
        return t;
    }

    public void tools(List<ObjectNode> tools) {
        this.tools = List.copyOf(tools);
    }

    public void pageSize(int size) {
        this.pageSize = size;
    }

    public void sse(boolean on) {
        this.sse = on;
    }

    /** Ends every session, so that the next request with an old session id is answered 404. */
    public void endSessions() {
        sessions.clear();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The {@code tools/call} requests received. */
    public List<Received> calls() {
        return received().stream().filter(r -> r.method().equals("tools/call")).toList();
    }

    public void clear() {
        received.clear();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, List<String>> headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.computeIfAbsent(k.toLowerCase(Locale.ROOT),
                    x -> new ArrayList<>()).addAll(v));
            Received r = new Received(headers, body);
            received.add(r);
            if (!ex.getRequestMethod().equals("POST")) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            JsonNode message = r.json();
            String method = message.path("method").asText();
            String session = ex.getRequestHeaders().getFirst("Mcp-Session-Id");
            if (!method.equals("initialize") && (session == null || !sessions.contains(session))) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            if (!message.has("id")) {
                ex.sendResponseHeaders(202, -1);
                return;
            }
            ObjectNode answer = JSON.createObjectNode();
            answer.put("jsonrpc", "2.0");
            answer.set("id", message.get("id"));
            switch (method) {
                case "initialize" -> {
                    String id = UUID.randomUUID().toString();
                    sessions.add(id);
                    ex.getResponseHeaders().add("Mcp-Session-Id", id);
                    ObjectNode result = answer.putObject("result");
                    result.put("protocolVersion", "2025-06-18");
                    result.putObject("capabilities").putObject("tools");
                    result.putObject("serverInfo").put("name", "volumes").put("version", "1");
                }
                case "tools/list" -> {
                    List<ObjectNode> all = tools;
                    int from = message.path("params").has("cursor")
                            ? Integer.parseInt(message.path("params").get("cursor").asText()) : 0;
                    int to = pageSize == 0 ? all.size() : Math.min(all.size(), from + pageSize);
                    ObjectNode result = answer.putObject("result");
                    ArrayNode list = result.putArray("tools");
                    for (ObjectNode t : all.subList(from, to)) list.add(t);
                    if (to < all.size()) result.put("nextCursor", String.valueOf(to));
                }
                case "tools/call" -> {
                    ObjectNode result = answer.putObject("result");
                    result.putArray("content").addObject().put("type", "text").put("text", "called "
                            + message.path("params").path("name").asText() + " with "
                            + message.path("params").path("arguments"));
                    result.put("isError", false);
                }
                default -> answer.putObject("error").put("code", -32601).put("message", "no " + method);
            }
            byte[] out;
            if (sse) {
                String progress = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":"
                        + "\"info\",\"data\":\"working\"}}";
                out = ("event: message\ndata: " + progress + "\n\n" + "event: message\ndata: " + answer + "\n\n")
                        .getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            } else {
                out = answer.toString().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
            }
            ex.sendResponseHeaders(200, out.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(out);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
