package dev.airlock.core.ops;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Where {@link OpsSessions} shares its sessions with other replicas. {@link OpsSessions} always answers lookups from
 * its own memory (a request thread never waits on a database); this seam only carries its changes out and other
 * replicas' changes in. {@link #LOCAL} shares nothing (the embedded file store: one process); the PostgreSQL store's
 * implementation writes a row per session, keyed by the token's SHA-256 (never the token), and reports every row that
 * changed through its change feed.
 */
public interface SessionStore {

    /**
     * A session as replicas share it: no secret (the key is the SHA-256 of the token, the enrolment a hash).
     *
     * @param closed a sign-out or an account's sessions ended: a tombstone, so that a replica re-reading by change
     *               sequence learns of the deletion (NOTIFY has no replay)
     */
    record Row(String key, String name, String enrolment, Instant createdAt, Instant lastSeen, boolean closed) {}

    /** Told each row another replica (or this one) changed, in change order. */
    interface Sink {
        void changed(Row row);
    }

    /** Completes once the new session is durable: only then is its token handed out. */
    CompletableFuture<Void> opened(Row row);

    /** Records a later last use; best effort (a lost update only shortens the session elsewhere by its interval). */
    CompletableFuture<Void> touched(String key, Instant lastSeen);

    /** Ends one session everywhere. */
    CompletableFuture<Void> closed(String key);

    /** Ends every session of an account everywhere (disabled, reset). */
    CompletableFuture<Void> closedAll(String name);

    /**
     * The least time between two recorded uses of one session. A write per request would be a storm across replicas;
     * the price is that another replica may see a session's last use up to this much late, so the idle bound there
     * becomes {@link OpsSessions#IDLE} plus this (docs/decisions.md).
     */
    Duration touchEvery();

    /** From now on tells {@code sink} of every change, starting with the live sessions already known. */
    void follow(Sink sink);

    /** One process: nothing to share, nothing to learn. */
    SessionStore LOCAL = new SessionStore() {
        private final CompletableFuture<Void> done = CompletableFuture.completedFuture(null);

        @Override
        public CompletableFuture<Void> opened(Row row) {
            return done;
        }

        @Override
        public CompletableFuture<Void> touched(String key, Instant lastSeen) {
            return done;
        }

        @Override
        public CompletableFuture<Void> closed(String key) {
            return done;
        }

        @Override
        public CompletableFuture<Void> closedAll(String name) {
            return done;
        }

        @Override
        public Duration touchEvery() {
            return Duration.ZERO;
        }

        @Override
        public void follow(Sink sink) {}
    };
}
