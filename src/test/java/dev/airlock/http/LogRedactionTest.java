package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.crypto.SecretShapes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.Test;

/** The two places log text passes: call sites quoting caller text (LogSafe), and every formatted line. */
class LogRedactionTest {
    static final String SECRET = SecretShapes.CLIENT_SECRET_PREFIX + "Zq0y5G1mAXlYfVrC2sS6bD3eT4uW7xH8iJ9kL0mN1oP";

    @Test
    void logSafeWhenThePathCarriesASecretThenItIsRedacted() {
        String safe = LogSafe.path("/v1/grants/" + SECRET + "\n");
        assertEquals("/v1/grants/" + SecretShapes.markerFor(SECRET) + "?", safe);
    }

    @Test
    void everyFormattedLineWhenAnExceptionQuotesASecretThenTheLineRedactsIt() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StreamHandler handler = new StreamHandler(bytes, new SimpleFormatter());
        Logger root = Logger.getLogger("");
        root.addHandler(handler);
        try {
            LogRedaction.install();
            Logger.getLogger("some.library").log(Level.WARNING, "request failed",
                    new IllegalArgumentException("bad value '" + SECRET + "'"));
            handler.flush();
        } finally {
            root.removeHandler(handler);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("IllegalArgumentException: bad value '" + SecretShapes.markerFor(SECRET) + "'"), text);
        assertFalse(text.contains(SECRET), text);
    }
}
