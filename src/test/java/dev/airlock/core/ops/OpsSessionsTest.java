package dev.airlock.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.crypto.Hashes;
import dev.airlock.core.ops.OpsSessions.Session;
import dev.airlock.testing.MutableClock;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OpsSessionsTest {
    static final Instant T0 = Instant.parse("2030-01-01T09:00:00Z");

    final MutableClock clock = new MutableClock(T0);
    /** The accounts as the store has them: what every lookup reads. */
    final Map<String, OpsAccount> store = new ConcurrentHashMap<>();
    final OpsSessions sessions = new OpsSessions(clock, new SecureRandom(), this::stored);

    Optional<OpsAccount> stored(String name) {
        return Optional.ofNullable(store.get(name));
    }

    /** An enabled account, saved in the store. */
    OpsAccount account(String name, String... groups) {
        return save(new OpsAccount(name, Set.of(groups), "$argon2id$unused", "unused", 0, 0, null, T0, false, 1));
    }

    OpsAccount save(OpsAccount a) {
        store.put(a.name(), a);
        return a;
    }

    @Test
    void openReturnsAPrefixedTokenOf256RandomBitsThatLooksUpTheSession() {
        OpsAccount alice = account("alice", "ops", "prod-ops");
        String token = sessions.open(alice).join();
        assertTrue(token.startsWith(OpsSessions.TOKEN_PREFIX), token);
        assertEquals(32, Base64.getUrlDecoder().decode(token.substring(OpsSessions.TOKEN_PREFIX.length())).length);
        assertEquals(Optional.of(new Session("alice", Set.of("ops", "prod-ops"), T0, T0, OpsSessions.enrolmentOf(alice))),
                sessions.lookup(token));
        assertNotEquals(token, sessions.open(account("alice", "ops")).join());
    }

    @Test
    void lookupTouchesLastSeen() {
        String token = sessions.open(account("alice", "ops")).join();
        clock.advance(Duration.ofMinutes(5));
        Session s = sessions.lookup(token).orElseThrow();
        assertEquals(T0, s.createdAt());
        assertEquals(T0.plus(Duration.ofMinutes(5)), s.lastSeen());
    }

    @Test
    void aSessionUnusedForFifteenMinutesExpires() {
        String token = sessions.open(account("alice", "ops")).join();
        clock.advance(OpsSessions.IDLE.minusSeconds(1));
        assertTrue(sessions.lookup(token).isPresent());
        clock.advance(OpsSessions.IDLE.minusSeconds(1)); // idle time counts from the last use
        assertTrue(sessions.lookup(token).isPresent());
        clock.advance(OpsSessions.IDLE);
        assertEquals(Optional.empty(), sessions.lookup(token));
        clock.set(T0);
        assertEquals(Optional.empty(), sessions.lookup(token), "an expired session is gone, not only hidden");
    }

    @Test
    void aSessionInConstantUseStillEndsAfterEightHours() {
        String token = sessions.open(account("alice", "ops")).join();
        Instant end = T0.plus(OpsSessions.LIFETIME);
        while (clock.instant().plus(Duration.ofMinutes(10)).isBefore(end)) {
            clock.advance(Duration.ofMinutes(10));
            assertTrue(sessions.lookup(token).isPresent(), "at " + clock.instant());
        }
        clock.set(end.minusSeconds(1));
        assertTrue(sessions.lookup(token).isPresent());
        clock.set(end);
        assertEquals(Optional.empty(), sessions.lookup(token));
    }

    @Test
    void closeEndsOneSessionAndCloseAllEndsEveryOneOfAName() {
        String a1 = sessions.open(account("alice", "ops")).join();
        String a2 = sessions.open(account("alice", "ops")).join();
        String b = sessions.open(account("bob", "ops")).join();
        sessions.close(a1);
        assertEquals(Optional.empty(), sessions.lookup(a1));
        assertTrue(sessions.lookup(a2).isPresent());
        sessions.closeAll("alice");
        assertEquals(Optional.empty(), sessions.lookup(a2));
        assertTrue(sessions.lookup(b).isPresent());
    }

    @Test
    void unknownAlteredOrUnprefixedTokensFindNothing() {
        String token = sessions.open(account("alice", "ops")).join();
        String body = token.substring(OpsSessions.TOKEN_PREFIX.length());
        char last = token.charAt(token.length() - 1);
        String altered = token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A');
        for (String t : new String[] {null, "", "ops_", body, altered, token + "x", "OPS_" + body}) {
            assertEquals(Optional.empty(), sessions.lookup(t), String.valueOf(t));
        }
        assertTrue(sessions.lookup(token).isPresent());
    }

    @Test
    void onlyTheSha256OfATokenIsKept() throws Exception {
        String token = sessions.open(account("alice", "ops")).join();
        Field f = OpsSessions.class.getDeclaredField("sessions");
        f.setAccessible(true);
        Map<?, ?> kept = (Map<?, ?>) f.get(sessions);
        String hash = HexFormat.of().formatHex(Hashes.sha256(token.getBytes(StandardCharsets.UTF_8)));
        assertEquals(Set.of(hash), kept.keySet());
        assertFalse(kept.toString().contains(token.substring(OpsSessions.TOKEN_PREFIX.length())));
    }

    @Test
    void whenFullTheOldestSessionIsDropped() {
        OpsSessions small = new OpsSessions(clock, new SecureRandom(), this::stored, 3);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 4; i++) tokens.add(small.open(account("user" + i, "ops")).join());
        assertEquals(3, small.size());
        assertEquals(Optional.empty(), small.lookup(tokens.get(0)));
        for (int i = 1; i < 4; i++) assertTrue(small.lookup(tokens.get(i)).isPresent(), "session " + i);
    }

    @Test
    void whenFullExpiredSessionsGoBeforeOlderLiveOnes() {
        OpsSessions small = new OpsSessions(clock, new SecureRandom(), this::stored, 3);
        String oldestButActive = small.open(account("alice", "ops")).join();
        String idle1 = small.open(account("bob", "ops")).join();
        String idle2 = small.open(account("carol", "ops")).join();
        clock.advance(Duration.ofMinutes(10));
        assertTrue(small.lookup(oldestButActive).isPresent());
        clock.advance(Duration.ofMinutes(6)); // bob and carol idle 16 minutes, alice 6
        String fresh = small.open(account("dave", "ops")).join();
        assertTrue(small.lookup(oldestButActive).isPresent());
        assertTrue(small.lookup(fresh).isPresent());
        assertEquals(Optional.empty(), small.lookup(idle1));
        assertEquals(Optional.empty(), small.lookup(idle2));
        assertEquals(2, small.size());
    }

    // --- the account behind the session (issue 12: disable and reset end sessions at once) ---

    static OpsAccount changed(OpsAccount a, String passphraseHash, String totpSealed, long lastStep, boolean disabled) {
        return new OpsAccount(a.name(), a.groups(), passphraseHash, totpSealed, lastStep, a.failures(), a.lockedUntil(),
                a.createdAt(), disabled, a.version() + 1);
    }

    @Test
    void lookupWhenTheAccountWasDisabledThenNoSessionAndItStaysClosed() {
        OpsAccount alice = account("alice", "ops");
        String token = sessions.open(alice).join();
        save(changed(alice, alice.passphraseHash(), alice.totpSealed(), 0, true));
        assertEquals(Optional.empty(), sessions.lookup(token));
        assertEquals(0, sessions.size(), "the session is closed, not merely hidden");
        save(alice); // even if the account came back as it was, the session does not
        assertEquals(Optional.empty(), sessions.lookup(token));
    }

    @Test
    void lookupWhenTheAccountWasReEnrolledThenNoSession() {
        OpsAccount alice = account("alice", "ops");
        String passphraseReset = sessions.open(alice).join();
        String totpReset = sessions.open(alice).join();
        save(changed(alice, "$argon2id$another-salt", alice.totpSealed(), 0, false));
        assertEquals(Optional.empty(), sessions.lookup(passphraseReset));
        save(changed(alice, alice.passphraseHash(), "another-sealed-secret", 0, false));
        assertEquals(Optional.empty(), sessions.lookup(totpReset));
    }

    @Test
    void lookupWhenTheAccountIsGoneThenNoSession() {
        String token = sessions.open(account("alice", "ops")).join();
        store.remove("alice");
        assertEquals(Optional.empty(), sessions.lookup(token));
    }

    @Test
    void lookupWhenTheAccountOnlyAcceptedCodesThenTheSessionLives() {
        OpsAccount alice = account("alice", "ops");
        String token = sessions.open(alice).join();
        // Each accepted code (sign-in, approval) saves a new version; failures too. None is a new enrolment.
        save(changed(alice, alice.passphraseHash(), alice.totpSealed(), 12345, false));
        assertTrue(sessions.lookup(token).isPresent());
    }

    @Test
    void manyThreadsOpeningAndLookingUpLoseNoSession() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String name = "user" + i;
                results.add(pool.submit(() -> {
                    boolean all = true;
                    for (int j = 0; j < 200; j++) {
                        String t = sessions.open(account(name, "ops")).join();
                        all &= sessions.lookup(t).map(s -> s.name().equals(name)).orElse(false);
                    }
                    return all;
                }));
            }
            for (Future<Boolean> r : results) assertTrue(r.get(60, TimeUnit.SECONDS));
            assertEquals(16 * 200, sessions.size());
        } finally {
            pool.shutdownNow();
        }
    }
}
