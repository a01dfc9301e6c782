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
import java.util.function.Function;

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

    private final Clock clock;
    private final SecureRandom random;
    private final int maxSessions;
    /** The account as the store has it now (the store's {@code opsAccount}). */
    private final Function<String, Optional<OpsAccount>> accounts;
    /** By token hash, in opening order (so the first entry is the oldest); guarded by {@code this}. */
    private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>();

    public OpsSessions(Clock clock, SecureRandom random, Function<String, Optional<OpsAccount>> accounts) {
        this(clock, random, accounts, MAX_SESSIONS);
    }

    OpsSessions(Clock clock, SecureRandom random, Function<String, Optional<OpsAccount>> accounts, int maxSessions) {
        this.clock = clock;
        this.random = random;
        this.accounts = accounts;
        this.maxSessions = maxSessions;
    }

    /** Opens a session for a signed-in account; the token is returned once and not kept. */
    public String open(OpsAccount account) {
        String token = TOKEN_PREFIX + Hashes.randomToken(random, TOKEN_BYTES);
        Instant now = clock.instant();
        Session s = new Session(account.name(), account.groups(), now, now, enrolmentOf(account));
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
            s = sessions.get(key);
            if (s == null) return Optional.empty();
            if (expired(s, now)) {
                sessions.remove(key);
                return Optional.empty();
            }
        }
        // Read outside the lock: the store is another component's, and its read must not serialise every lookup.
        OpsAccount a = accounts.apply(s.name()).orElse(null);
        boolean sameEnrolment = a != null && !a.disabled() && enrolmentOf(a).equals(s.enrolment());
        synchronized (this) {
            if (!sameEnrolment) {
                sessions.remove(key);
                return Optional.empty();
            }
            if (!sessions.containsKey(key)) return Optional.empty(); // closed meanwhile
            Session touched = new Session(s.name(), a.groups(), s.createdAt(), now, s.enrolment());
            sessions.put(key, touched); // replacing a value keeps its place in the opening order
            return Optional.of(touched);
        }
    }

    /**
     * Which enrolment of an account this is: a reset makes a new passphrase hash (with a new salt) and a new sealed
     * TOTP secret, so this changes at every reset and at nothing else. A hash, so the session holds nothing secret.
     */
    static String enrolmentOf(OpsAccount a) {
        return HexFormat.of().formatHex(Hashes.sha256((a.name() + "\n" + a.passphraseHash() + "\n" + a.totpSealed())
                .getBytes(StandardCharsets.UTF_8)));
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
