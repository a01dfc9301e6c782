package dev.airlock.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.MutableClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * What {@link OpsSessions} promises over any {@link SessionStore}: every implementation's test extends this (the
 * embedded file store's {@link SessionStore#LOCAL}, PostgreSQL's {@code PgSessionStore}).
 */
public abstract class SessionStoreContract {
    protected static final Instant T0 = Instant.parse("2030-01-01T09:00:00Z");

    protected final MutableClock clock = new MutableClock(T0);
    private final Map<String, OpsAccount> accounts = new ConcurrentHashMap<>();

    /** A store to test; with shared state, each call is another replica's store on the same state. */
    protected abstract SessionStore store() throws Exception;

    /** Returns once every store handed out has read every change made so far (nothing to do without sharing). */
    protected abstract void caughtUp() throws Exception;

    protected OpsSessions sessionsOver(SessionStore store) {
        return new OpsSessions(clock, new SecureRandom(), name -> Optional.ofNullable(accounts.get(name)), store);
    }

    protected OpsAccount account(String name) {
        OpsAccount a = new OpsAccount(name, Set.of("ops"), "$argon2id$unused-" + name, "unused", 0, 0, null, T0,
                false, 1);
        accounts.put(name, a);
        return a;
    }

    @Test
    void anOpenedSessionIsFoundUntilItIsClosedAndStaysClosedAfterTheFeed() throws Exception {
        OpsSessions sessions = sessionsOver(store());
        String token = sessions.open(account("alice")).join();
        caughtUp();
        assertEquals("alice", sessions.lookup(token).orElseThrow().name());
        sessions.close(token).join();
        assertEquals(Optional.empty(), sessions.lookup(token));
        caughtUp();
        assertEquals(Optional.empty(), sessions.lookup(token));
    }

    @Test
    void closeAllEndsEverySessionOfThatAccountAndNoOther() throws Exception {
        OpsSessions sessions = sessionsOver(store());
        String first = sessions.open(account("alice")).join();
        String second = sessions.open(account("alice")).join();
        String bobs = sessions.open(account("bob")).join();
        sessions.closeAll("alice").join();
        caughtUp();
        assertEquals(Optional.empty(), sessions.lookup(first));
        assertEquals(Optional.empty(), sessions.lookup(second));
        assertTrue(sessions.lookup(bobs).isPresent());
    }

    @Test
    void aSessionUnusedForTheIdleBoundPlusTheUpdateIntervalIsOver() throws Exception {
        SessionStore store = store();
        OpsSessions sessions = sessionsOver(store);
        Duration bound = OpsSessions.IDLE.plus(store.touchEvery());
        String kept = sessions.open(account("alice")).join();
        String dropped = sessions.open(account("bob")).join();
        clock.advance(bound.minusSeconds(1));
        assertTrue(sessions.lookup(kept).isPresent());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Optional.empty(), sessions.lookup(dropped));
    }

    @Test
    void aSessionEndsAtItsLifetimeHoweverOftenItIsUsed() throws Exception {
        OpsSessions sessions = sessionsOver(store());
        String token = sessions.open(account("alice")).join();
        for (Duration used = Duration.ZERO; used.compareTo(OpsSessions.LIFETIME) < 0; used = used.plusMinutes(10)) {
            assertTrue(sessions.lookup(token).isPresent(), "at " + used);
            clock.advance(Duration.ofMinutes(10));
        }
        assertEquals(Optional.empty(), sessions.lookup(token));
    }
}
