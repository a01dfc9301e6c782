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

/**
 * Signed-in approvers, in memory. A session token is {@value #TOKEN_PREFIX} and 256 random bits (base64url); only
 * its SHA-256 is kept, so a heap dump does not hand out live sessions.
 *
 * <p>Sessions end after {@link #IDLE} without use or {@link #LIFETIME} after sign-in, whichever comes first (OWASP
 * Session Management: idle and absolute timeouts, short for high-value applications). At most {@link #MAX_SESSIONS}
 * are kept; beyond that the oldest is dropped, so a flood of sign-ins costs memory only up to a bound.
 *
 * <p>Sessions are not persisted: a restart signs every approver out. That is acceptable because a session is cheap to
 * re-open (a passphrase and a code), every approval needs a fresh code anyway, and nothing pending is lost (grants
 * live in the store). Persisting them would put bearer secrets on disk for the sake of convenience.
 *
 * <p>Whether the account is still enabled is the caller's business: check the account on lookup, or
 * {@link #closeAll} when disabling it in this process.
 */
public final class OpsSessions {
    public static final String TOKEN_PREFIX = "ops_";
    public static final Duration IDLE = Duration.ofMinutes(15);
    public static final Duration LIFETIME = Duration.ofHours(8);
    public static final int MAX_SESSIONS = 10_000;
    private static final int TOKEN_BYTES = 32;

    /** What a session token stands for. */
    public record Session(String name, Set<String> groups, Instant createdAt, Instant lastSeen) {
        public Session {
            groups = Set.copyOf(groups);
        }
    }

    private final Clock clock;
    private final SecureRandom random;
    private final int maxSessions;
    /** By token hash, in opening order (so the first entry is the oldest); guarded by {@code this}. */
    private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>();

    public OpsSessions(Clock clock, SecureRandom random) {
        this(clock, random, MAX_SESSIONS);
    }

    OpsSessions(Clock clock, SecureRandom random, int maxSessions) {
        this.clock = clock;
        this.random = random;
        this.maxSessions = maxSessions;
    }

    /** Opens a session for a signed-in account; the token is returned once and not kept. */
    public String open(OpsAccount account) {
        String token = TOKEN_PREFIX + Hashes.randomToken(random, TOKEN_BYTES);
        Instant now = clock.instant();
        Session s = new Session(account.name(), account.groups(), now, now);
        synchronized (this) {
            if (sessions.size() >= maxSessions) dropExpired(now);
            Iterator<String> oldest = sessions.keySet().iterator();
            while (sessions.size() >= maxSessions && oldest.hasNext()) {
                oldest.next();
                oldest.remove();
            }
            sessions.put(key(token), s);
        }
        return token;
    }

    /** The live session for a token, marked as used now; empty for an unknown, expired or closed one. */
    public Optional<Session> lookup(String token) {
        if (token == null || !token.startsWith(TOKEN_PREFIX)) return Optional.empty();
        String key = key(token);
        Instant now = clock.instant();
        synchronized (this) {
            Session s = sessions.get(key);
            if (s == null) return Optional.empty();
            if (expired(s, now)) {
                sessions.remove(key);
                return Optional.empty();
            }
            Session touched = new Session(s.name(), s.groups(), s.createdAt(), now);
            sessions.put(key, touched); // replacing a value keeps its place in the opening order
            return Optional.of(touched);
        }
    }

    /** Signs one session out. */
    public synchronized void close(String token) {
        if (token != null) sessions.remove(key(token));
    }

    /** Signs an approver out everywhere (disabled, reset). */
    public synchronized void closeAll(String name) {
        sessions.values().removeIf(s -> s.name().equals(name));
    }

    public synchronized int size() {
        return sessions.size();
    }

    private static boolean expired(Session s, Instant now) {
        return !now.isBefore(s.lastSeen().plus(IDLE)) || !now.isBefore(s.createdAt().plus(LIFETIME));
    }

    private void dropExpired(Instant now) {
        for (Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator(); it.hasNext(); ) {
            if (expired(it.next().getValue(), now)) it.remove();
        }
    }

    private static String key(String token) {
        return HexFormat.of().formatHex(Hashes.sha256(token.getBytes(StandardCharsets.UTF_8)));
    }
}
