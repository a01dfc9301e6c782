package dev.airlock.app;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Settings are checked when the configuration is made, so a bad {@code --issuer} or size stops the start. */
class AirlockConfigTest {
    private static AirlockConfig with(String issuer) {
        return new AirlockConfig(Path.of("d"), Path.of("p"), issuer, JWSAlgorithm.EdDSA, null, Clock.systemUTC());
    }

    @Test
    void issuerMustBeAnHttpUrlWithAHostAndNoQueryFragmentOrUser() {
        for (String ok : List.of("http://127.0.0.1:8080", "https://airlock.example.com", "https://a.example/airlock",
                "http://[::1]:8080")) {
            assertDoesNotThrow(() -> with(ok), ok);
        }
        for (String bad : List.of("airlock.example.com", "ftp://airlock.example.com", "https://", "https:///path",
                "https://a.example?x=1", "https://a.example#f", "https://user:pw@a.example", "http://a b", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with(bad), bad);
            assertTrue(e.getMessage().startsWith("--issuer"), e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> with(null));
    }

    @Test
    void journalCompactionSizeHasAFloorAndADefault() {
        String issuer = "http://127.0.0.1:8080";
        assertEquals(4L << 20, with(issuer).journalCompactBytes());
        assertDoesNotThrow(() -> new AirlockConfig(Path.of("d"), Path.of("p"), issuer, JWSAlgorithm.EdDSA, null,
                Clock.systemUTC(), 4096));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AirlockConfig(
                Path.of("d"), Path.of("p"), issuer, JWSAlgorithm.EdDSA, null, Clock.systemUTC(), 4095));
        assertTrue(e.getMessage().startsWith("--compact-journal-above must be at least 4096"), e.getMessage());
    }
}
