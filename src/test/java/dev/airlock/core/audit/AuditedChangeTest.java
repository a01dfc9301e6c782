package dev.airlock.core.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one write path of administrative changes, on a real audit log: the event first, then the change. */
class AuditedChangeTest {
    @TempDir
    Path dir;

    AuditLog log;

    @BeforeEach
    void open() throws IOException {
        log = AuditLog.open(dir.resolve("audit.log"), Clock.systemUTC());
    }

    @AfterEach
    void close() {
        log.close();
    }

    static final AuditEvent DECISION = AuditEvent.of("env.frozen").with("env", "staging").with("by", "cli").build();

    @Test
    void applyWhenTheChangeSucceedsThenTheEventIsDurableBeforeTheChangeRuns() throws Exception {
        AtomicBoolean eventSeenByChange = new AtomicBoolean();
        String result = AuditedChange.apply(log, DECISION, () -> {
            try {
                eventSeenByChange.set(lines().stream().anyMatch(l -> l.contains("\"type\":\"env.frozen\"")));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return CompletableFuture.completedFuture("done");
        }).get(10, TimeUnit.SECONDS);
        assertEquals("done", result);
        assertTrue(eventSeenByChange.get(), "the change ran after its event was written");
        assertEquals(1, lines().size());
    }

    @Test
    void applyWhenTheAuditLogFailsThenTheChangeNeverRuns() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        AuditSink full = e -> CompletableFuture.failedFuture(new IOException("No space left on device"));
        Throwable t = failure(AuditedChange.apply(full, DECISION, () -> {
            ran.set(true);
            return CompletableFuture.completedFuture(null);
        }));
        assertInstanceOf(AuditedChange.NotDone.class, t);
        assertEquals("not done: the audit log could not be written (No space left on device); nothing was changed",
                t.getMessage());
        assertTrue(!ran.get(), "nothing changed");
    }

    @Test
    void applyWhenTheChangeFailsOrThrowsThenASecondEventSaysItDidNotTakeEffect() throws Exception {
        Throwable failed = failure(AuditedChange.apply(log, DECISION,
                () -> CompletableFuture.failedFuture(new IOException("No space left on device"))));
        Throwable thrown = failure(AuditedChange.apply(log, DECISION, () -> {
            throw new IllegalStateException("lost the race");
        }));
        assertInstanceOf(AuditedChange.NotDone.class, failed);
        assertInstanceOf(IOException.class, failed.getCause());
        assertTrue(thrown.getMessage().startsWith("lost the race; not done"), thrown.getMessage());
        List<String> lines = lines();
        assertEquals(4, lines.size());
        assertTrue(lines.get(1).contains("\"type\":\"change.not_done\"") && lines.get(1).contains("\"change\":\"env.frozen\"")
                && lines.get(1).contains("\"env\":\"staging\"") && lines.get(1).contains("No space left on device"),
                lines.get(1));
        assertTrue(lines.get(3).contains("lost the race"), lines.get(3));
    }

    List<String> lines() throws IOException {
        Path f = dir.resolve("audit.log");
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    static Throwable failure(CompletableFuture<?> f) {
        return assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS)).getCause();
    }
}
