package dev.airlock.core.ops;

import dev.airlock.core.crypto.Hashes;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Signed-in approvers, in memory. A session token is {@value #TOKEN_PREFIX} and 256 random bits (base64url); only
 * its SHA-256 is kept, so a heap dump does not hand out live sessions.
 *
 * <p>Sessions end after {@link #idleTimeout} without use ({@link #IDLE}, plus the shared store's update interval when
 * replicas share them) or {@link #LIFETIME} after sign-in, whichever comes first (OWASP
 * Session Management: idle and absolute timeouts, short for high-value applications). At most {@link #MAX_SESSIONS}
 * are kept; beyond that the oldest is dropped, so a flood of sign-ins costs memory only up to a bound.
 *
 * <p>With the embedded file store ({@link SessionStore#LOCAL}) sessions are not persisted: a restart signs every
 * approver out. That is acceptable because a session is cheap to re-open (a passphrase and a code), every approval
 * needs a fresh code anyway, and nothing pending is lost (grants live in the store). Persisting them would put bearer
 * secrets on disk for the sake of convenience. With PostgreSQL (several replicas, issue 14) sessions are shared
 * through a {@link SessionStore} that holds only the token's SHA-256: a sign-in through one replica is known to the
 * others after their next refresh, and a sign-out ends the session on every replica the same way. Lookups still read
 * only this memory, which the store keeps current.
 *
 * <p>A session is only as good as the account behind it: every {@link #lookup} reads the account again and ends the
 * session if the account is gone, disabled, or re-enrolled ({@code ops reset}) since the sign-in. The account is read
 * from the store, which another process may have changed ({@code airlock ops disable} writes the data directory
 * directly), so the session ends on its first request after the change is visible there, not when it times out.
 * The session remembers which enrolment signed in (a hash of the account's passphrase hash and sealed TOTP secret,
 * both new at every reset), not the account's version, which every accepted code also moves.
 */
public final class OpsSessions {
    public static final String TOKEN_PREFIX = "ops_";
    public static final Duration IDLE = Duration.ofMinutes(15);
    public static final Duration LIFETIME = Duration.ofHours(8);
    public static final int MAX_SESSIONS = 10_000;
    private static final int TOKEN_BYTES = 32;

    /**
     * What a session token stands for.
     *
     * @param groups    the account's groups as of the last lookup
     * @param enrolment which enrolment of the account signed in ({@link #enrolmentOf}); no secret
     */
    public record Session(String name, Set<String> groups, Instant createdAt, Instant lastSeen, String enrolment) {
        public Session {
            groups = Set.copyOf(groups);
        }
    }

    /** A session in memory, with the last use recorded in the shared store (at most every {@code touchEvery}). */
    private record Entry(Session session, Instant recorded) {}

    private final Clock clock;
    private final SecureRandom random;
    private final int maxSessions;
    /** The account as the store has it now (the store's {@code opsAccount}). */
    private final Function<String, Optional<OpsAccount>> accounts;
    private final SessionStore shared;
    /** By token hash, in opening order (so the first entry is the oldest); guarded by {@code this}. */
    private final LinkedHashMap<String, Entry> sessions = new LinkedHashMap<>();

    public OpsSessions(Clock clock, SecureRandom random, Function<String, Optional<OpsAccount>> accounts) {
        this(clock, random, accounts, SessionStore.LOCAL, MAX_SESSIONS);
    }

    public OpsSessions(Clock clock, SecureRandom random, Function<String, Optional<OpsAccount>> accounts,
                       SessionStore shared) {
        this(clock, random, accounts, shared, MAX_SESSIONS);
    }

    OpsSessions(Clock clock, SecureRandom random, Function<String, Optional<OpsAccount>> accounts, int maxSessions) {
        this(clock, random, accounts, SessionStore.LOCAL, maxSessions);
    }

    OpsSessions(Clock clock, SecureRandom random, Function<String, Optional<OpsAccount>> accounts, SessionStore shared,
                int maxSessions) {
        this.clock = clock;
        this.random = random;
        this.accounts = accounts;
        this.shared = shared;
        this.maxSessions = maxSessions;
        shared.follow(this::learn);
    }

    /**
     * Opens a session for a signed-in account. Completes with the token once the session is durable in the shared
     * store (a token handed out must work through every replica, and survive this one); the token is not kept.
     */
    public CompletableFuture<String> open(OpsAccount account) {
        String token = TOKEN_PREFIX + Hashes.randomToken(random, TOKEN_BYTES);
        String key = key(token);
        Instant now = clock.instant();
        Session s = new Session(account.name(), account.groups(), now, now, enrolmentOf(account));
        return shared.opened(new SessionStore.Row(key, s.name(), s.enrolment(), now, now, false)).thenApply(done -> {
            synchronized (this) {
                put(key, new Entry(s, now), now);
            }
            return token;
        });
    }

    /** Guarded by {@code this}: adds a session, first dropping expired ones and then the oldest when full. */
    private void put(String key, Entry e, Instant now) {
        if (sessions.size() >= maxSessions) dropExpired(now);
        Iterator<String> oldest = sessions.keySet().iterator();
        while (sessions.size() >= maxSessions && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
        sessions.put(key, e);
    }

    /**
     * A change from the shared store (another replica's, or this one's own read back): a tombstone ends the session
     * here; a live row adds it, or moves its last use forward (never back: this replica may have seen a later use).
     * The groups are read from the account at the next lookup, as for every session.
     */
    private synchronized void learn(SessionStore.Row row) {
        Entry mine = sessions.get(row.key());
        if (row.closed()) {
            sessions.remove(row.key());
            return;
        }
        if (mine == null) {
            Session s = new Session(row.name(), Set.of(), row.createdAt(), row.lastSeen(), row.enrolment());
            Instant now = clock.instant();
            if (!expired(s, now)) put(row.key(), new Entry(s, row.lastSeen()), now);
        } else if (row.lastSeen().isAfter(mine.session().lastSeen())) {
            Session s = mine.session();
            sessions.put(row.key(), new Entry(new Session(s.name(), s.groups(), s.createdAt(), row.lastSeen(),
                    s.enrolment()), row.lastSeen()));
        }
    }

    /**
     * The live session for a token, marked as used now; empty for an unknown, expired or closed one, and for one whose
     * account is no longer the enabled account that signed in (the session is then closed).
     */
    public Optional<Session> lookup(String token) {
        if (token == null || !token.startsWith(TOKEN_PREFIX)) return Optional.empty();
        String key = key(token);
        Instant now = clock.instant();
        Session s;
        synchronized (this) {
            Entry e = sessions.get(key);
            if (e == null) return Optional.empty();
            s = e.session();
            if (expired(s, now)) {
                sessions.remove(key);
                return Optional.empty();
            }
        }
        // Read outside the lock: the store is another component's, and its read must not serialise every lookup.
        OpsAccount a = accounts.apply(s.name()).orElse(null);
        boolean sameEnrolment = a != null && !a.disabled() && enrolmentOf(a).equals(s.enrolment());
        boolean record;
        Session touched;
        synchronized (this) {
            if (!sameEnrolment) {
                sessions.remove(key);
            } else {
                Entry e = sessions.get(key);
                if (e == null) return Optional.empty(); // closed meanwhile
                touched = new Session(s.name(), a.groups(), s.createdAt(), now, s.enrolment());
                // A write per request would be a storm across replicas: the last use is recorded at most this often.
                record = !now.isBefore(e.recorded().plus(shared.touchEvery()));
                // replacing a value keeps its place in the opening order
                sessions.put(key, new Entry(touched, record ? now : e.recorded()));
                if (record) shared.touched(key, now);
                return Optional.of(touched);
            }
        }
        shared.closed(key); // every replica drops it, not only this one (best effort: each checks the account anyway)
        return Optional.empty();
    }

    /**
     * Which enrolment of an account this is: a reset makes a new passphrase hash (with a new salt) and a new sealed
     * TOTP secret, so this changes at every reset and at nothing else. A hash, so the session holds nothing secret.
     */
    static String enrolmentOf(OpsAccount a) {
        return HexFormat.of().formatHex(Hashes.sha256((a.name() + "\n" + a.passphraseHash() + "\n" + a.totpSealed())
                .getBytes(StandardCharsets.UTF_8)));
    }

    /** Signs one session out, here at once and on every replica once the completed write reaches them. */
    public CompletableFuture<Void> close(String token) {
        if (token == null) return CompletableFuture.completedFuture(null);
        String key = key(token);
        synchronized (this) {
            sessions.remove(key);
        }
        return shared.closed(key);
    }

    /** Signs an approver out everywhere (disabled, reset). */
    public CompletableFuture<Void> closeAll(String name) {
        synchronized (this) {
            sessions.values().removeIf(e -> e.session().name().equals(name));
        }
        return shared.closedAll(name);
    }

    /** How long without use ends a session here: {@link #IDLE} plus the shared store's update interval. */
    public Duration idleTimeout() {
        return IDLE.plus(shared.touchEvery());
    }

    public synchronized int size() {
        return sessions.size();
    }

    /**
     * Idle time counts from the last use this replica knows; another replica's uses reach it at most
     * {@link SessionStore#touchEvery} late, so the idle bound is {@link #IDLE} plus that (zero for one process).
     */
    private boolean expired(Session s, Instant now) {
        return !now.isBefore(s.lastSeen().plus(idleTimeout()))
                || !now.isBefore(s.createdAt().plus(LIFETIME));
    }

    private void dropExpired(Instant now) {
        for (Iterator<Map.Entry<String, Entry>> it = sessions.entrySet().iterator(); it.hasNext(); ) {
            if (expired(it.next().getValue().session(), now)) it.remove();
        }
    }

    /**
     * The key a session is known by: the SHA-256 (hex) of its token, never the token. What passkey ceremonies bind their
     * nonces to, so that another session (another person's, or a stolen cookie's after sign-out) cannot finish them.
     */
    public static String key(String token) {
        return HexFormat.of().formatHex(Hashes.sha256(token.getBytes(StandardCharsets.UTF_8)));
    }
}
