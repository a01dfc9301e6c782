package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.app.Airlock;
import dev.airlock.app.AirlockConfig;
import dev.airlock.core.token.KeyRotation;
import dev.airlock.testing.MutableClock;
import dev.airlock.testing.TestAirlock;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's periodic refresh, on a real Airlock without a server (so only this refresh runs). */
class RefreshTest {
    @TempDir
    Path data;

    @Test
    void keyScheduleAdvancesEvenWhenTheStoreRefreshFails() throws Exception {
        MutableClock clock = new MutableClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
        try (Airlock airlock = Airlock.open(new AirlockConfig(data, TestAirlock.EXAMPLE_POLICY, "http://127.0.0.1:1",
                JWSAlgorithm.EdDSA, null, clock))) {
            String next = KeyRotation.publish(airlock.keys, JWSAlgorithm.EdDSA, Duration.ofMinutes(6), clock,
                    new SecureRandom(), airlock.audit).kid();
            clock.advance(Duration.ofMinutes(6));
            Refresh refresh = new Refresh(airlock, () -> {
                throw new UncheckedIOException(new java.io.IOException("journal unreadable"));
            });
            assertThrows(UncheckedIOException.class, refresh::run, "the store's failure is still reported");
            assertEquals(next, airlock.keys.active().kid(), "a due key is activated all the same");
        }
    }
}
