package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.crypto.SecretShapes;
import dev.airlock.testing.ProxyFixture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.Test;

/**
 * {@code serve --log-format json|text} (issue 14): a real server logs a real failed request whose path carries an
 * Airlock client secret (a secret in a wrong field: the agent pasted it as a volume id); neither format writes it.
 */
class ServerLogsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SECRET = SecretShapes.CLIENT_SECRET_PREFIX + "Zq0y5G1mAXlYfVrC2sS6bD3eT4uW7xH8iJ9kL0mN1oP";

    /** Logs of one failed proxied call (the "down" provider's upstream is a closed port: 502), in {@code format}. */
    private static String logOfAFailedCallCarryingASecret(ServerLogs.Format format) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StreamHandler capture = new StreamHandler(bytes, new SimpleFormatter());
        Logger root = Logger.getLogger("");
        Map<Handler, Formatter> before = new HashMap<>();
        for (Handler h : root.getHandlers()) before.put(h, h.getFormatter());
        root.addHandler(capture);
        try (ProxyFixture fx = ProxyFixture.start()) {
            // After the server's start: as serve does it, and the order in which a forgotten wrap would show.
            ServerLogs.configure(format);
            String token = fx.token("staging", "volume:read");
            assertEquals(502, fx.get("/proxy/down/v1/volumes/" + SECRET, token).status());
            capture.flush();
        } finally {
            root.removeHandler(capture);
            before.forEach(Handler::setFormatter);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonLogWhenARequestPathCarriesASecretThenOneJsonObjectPerLineWithRequestFieldsAndNoSecret() throws Exception {
        String log = logOfAFailedCallCarryingASecret(ServerLogs.Format.JSON);
        assertFalse(log.contains(SECRET), log);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : log.split("\n")) lines.add(JSON.readTree(line)); // every line is one JSON object
        JsonNode failed = lines.stream().filter(l -> l.path("message").asText().startsWith("upstream of provider down"))
                .findFirst().orElseThrow(() -> new AssertionError(log));
        assertEquals("WARNING", failed.get("level").asText());
        assertEquals(ProxyForwarder.class.getName(), failed.get("logger").asText());
        assertTrue(failed.get("time").asText().endsWith("Z"), failed.toString());
        assertEquals("GET", failed.get("method").asText());
        assertEquals("/proxy/down/v1/volumes/" + SecretShapes.markerFor(SECRET), failed.get("path").asText());
        assertEquals(502, failed.get("status").asInt());
        assertEquals("down", failed.get("provider").asText());
    }

    @Test
    void textLogWhenARequestPathCarriesASecretThenNoSecret() throws Exception {
        String log = logOfAFailedCallCarryingASecret(ServerLogs.Format.TEXT);
        assertTrue(log.contains("upstream of provider down failed"), log);
        assertFalse(log.contains(SECRET), log);
        assertFalse(log.startsWith("{"), "text stays the default: " + log);
    }

    /** The formatter alone, without the line-level net around it: it redacts every field itself. */
    @Test
    void jsonFormatterWhenEveryFieldCarriesASecretThenEachIsRedactedAndNewlinesCannotForgeALine() throws Exception {
        LogRecord r = new LogRecord(Level.SEVERE, "first line\n{\"level\":\"INFO\",\"message\":\"forged " + SECRET
                + "\"}");
        r.setLoggerName("some.library." + SECRET);
        r.setThrown(new IllegalArgumentException("bad value '" + SECRET + "'"));
        String line = new JsonLogFormatter().format(r);
        assertFalse(line.contains(SECRET), line);
        assertEquals(1, line.split("\n").length, line);
        JsonNode j = JSON.readTree(line);
        assertTrue(j.get("message").asText().contains(SecretShapes.markerFor(SECRET)), line);
        assertTrue(j.get("error").asText().contains(SecretShapes.markerFor(SECRET)), line);
        assertTrue(j.get("stack").asText().contains("IllegalArgumentException"), line);
    }
}
