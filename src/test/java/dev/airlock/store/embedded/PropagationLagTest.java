package dev.airlock.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file store's propagation lag (issue 14): how late another process's change can be when it becomes visible here,
 * i.e. the time since the journal was last read to its end. Monotonic time from the test's clock, never the wall.
 */
class PropagationLagTest {
    @TempDir
    Path dir;

    @Test
    void lagWhenNoRefreshForFiveSecondsThenFiveSecondsAndZeroAfterTheNextRefresh() throws Exception {
        MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
        try (FileStateStore server = FileStateStore.open(dir, clock)) {
            assertEquals(Duration.ZERO, server.propagationLag(), "read to the end at open");
            clock.advance(Duration.ofSeconds(5));
            assertEquals(Duration.ofSeconds(5), server.propagationLag());
            server.refresh();
            assertEquals(Duration.ZERO, server.propagationLag());
        }
    }

    @Test
    void lagWhenAnotherProcessRevokedThenTheRefreshThatSeesItEndsTheLag() throws Exception {
        MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
        try (FileStateStore server = FileStateStore.open(dir, clock);
             FileStateStore cli = FileStateStore.open(dir, clock)) {
            cli.revoke("jti-1", Instant.parse("2030-01-01T00:10:00Z")).get();
            clock.advance(Duration.ofMillis(300));
            assertEquals(Duration.ofMillis(300), server.propagationLag(), "the revocation is not seen yet");
            server.refresh();
            assertTrue(server.isRevoked("jti-1"));
            assertEquals(Duration.ZERO, server.propagationLag());
        }
    }

    @Test
    void lagWhenTheWallClockStepsBackADayThenUnchanged() throws Exception {
        MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
        try (FileStateStore server = FileStateStore.open(dir, clock)) {
            clock.advance(Duration.ofSeconds(2)).step(Duration.ofDays(-1));
            assertEquals(Duration.ofSeconds(2), server.propagationLag());
        }
    }
}
