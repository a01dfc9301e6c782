package dev.airlock.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.ops.OpsAccounts.Enrolment;
import dev.airlock.core.ops.OpsAccounts.SignIn;
import dev.airlock.store.embedded.FileStateStore;
import dev.airlock.testing.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpsAccountsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final char[] WRONG = "WRONG-WRONG-WRONG-WRONG-WRONG".toCharArray();

    @TempDir
    Path dir;

    final MutableClock clock = MutableClock.at("2030-01-01T00:00:10Z");
    final SecureRandom random = new SecureRandom();
    /** One master key for the whole test, so that a test can close and reopen the store. */
    final byte[] masterKey = randomKey(random);
    FileStateStore store;
    AuditLog audit;
    OpsAccounts accounts;

    @BeforeEach
    void open() throws IOException {
        store = FileStateStore.open(dir, clock);
        audit = AuditLog.open(dir.resolve("audit.log"), clock);
        accounts = accountsWith(new SecretBox(masterKey, random));
    }

    @AfterEach
    void close() {
        audit.close();
        store.close();
    }

    OpsAccounts accountsWith(SecretBox box) {
        return new OpsAccounts(store, box, audit, clock, random, PassphrasesTest.CHEAP);
    }

    // --- Enrolment -------------------------------------------------------------------------------------------------

    @Test
    void createReturnsCredentialsThatSignIn() throws Exception {
        Enrolment alice = create("alice", "ops", "prod-ops");
        SignIn result = signIn("alice", alice.passphrase(), code(alice, 0));
        OpsAccount account = assertInstanceOf(SignIn.Ok.class, result).account();
        assertEquals("alice", account.name());
        assertEquals(Set.of("ops", "prod-ops"), account.groups());
    }

    @Test
    void enrolmentUriCarriesTheSecretAndTheAccountName() throws Exception {
        Enrolment alice = create("alice", "ops");
        assertEquals(Totp.otpauthUri("Airlock", "alice", Totp.fromBase32(alice.totpSecretBase32())), alice.otpauthUri());
        assertTrue(alice.otpauthUri().startsWith("otpauth://totp/Airlock:alice?secret=" + alice.totpSecretBase32()));
        assertEquals(20, Totp.fromBase32(alice.totpSecretBase32()).length);
    }

    @Test
    void createWhenNameTakenThenAccountExists() throws Exception {
        create("alice", "ops");
        assertInstanceOf(OpsAccounts.AccountExists.class, failure(accounts.create("alice", Set.of("ops"))));
        accounts.disable("alice").get(10, TimeUnit.SECONDS);
        assertInstanceOf(OpsAccounts.AccountExists.class, failure(accounts.create("alice", Set.of("ops"))));
    }

    @Test
    void createWhenNameOrGroupsInvalidThenIllegalArgument() {
        for (String bad : new String[] {"Alice", "", "-alice", "al ice", "a".repeat(65), "alice\n", "ålice"}) {
            assertInstanceOf(IllegalArgumentException.class, failure(accounts.create(bad, Set.of("ops"))), bad);
        }
        assertInstanceOf(IllegalArgumentException.class, failure(accounts.create("alice", Set.of())));
        assertInstanceOf(IllegalArgumentException.class, failure(accounts.create("alice", Set.of("Ops"))));
        assertInstanceOf(IllegalArgumentException.class, failure(accounts.create("alice", Set.of("ops", "a b"))));
        assertTrue(store.opsAccounts().isEmpty());
    }

    @Test
    void namesOf64CharactersWithDotsDashesAndUnderscoresAreAccepted() throws Exception {
        String name = "a" + "b._-".repeat(15) + "xyz";
        assertEquals(64, name.length());
        create(name, "ops");
        assertTrue(store.opsAccount(name).isPresent());
    }

    @Test
    void thePassphraseIsStoredOnlyAsAnArgon2idHash() throws Exception {
        Enrolment alice = create("alice", "ops");
        OpsAccount stored = store.opsAccount("alice").orElseThrow();
        assertTrue(stored.passphraseHash().startsWith("$argon2id$v=19$"), stored.passphraseHash());
        assertTrue(PassphrasesTest.CHEAP.verify(alice.passphrase(), stored.passphraseHash()));
    }

    @Test
    void theTotpSecretIsSealedUnderTheMasterKeyAndBoundToTheAccountName() throws Exception {
        Enrolment alice = create("alice", "ops");
        byte[] secret = Totp.fromBase32(alice.totpSecretBase32());
        byte[] sealed = Base64.getDecoder().decode(store.opsAccount("alice").orElseThrow().totpSealed());
        SecretBox box = new SecretBox(masterKey, random);
        assertArrayEquals(secret, box.open(sealed, OpsAccounts.label("alice")));
        assertThrows(java.security.GeneralSecurityException.class, () -> box.open(sealed, OpsAccounts.label("bob")));
    }

    @Test
    void neitherTheTotpSecretNorThePassphraseIsInAnyFileOfTheDataDirectory() throws Exception {
        Enrolment alice = create("alice", "ops");
        signIn("alice", alice.passphrase(), code(alice, 0));
        signIn(new String(alice.passphrase()), alice.passphrase(), code(alice, 1)); // passphrase typed as the name
        byte[] secret = Totp.fromBase32(alice.totpSecretBase32());
        String pass = new String(alice.passphrase());
        List<byte[]> forbidden = List.of(secret, ascii(alice.totpSecretBase32()),
                ascii(alice.totpSecretBase32().toLowerCase()), ascii(Base64.getEncoder().encodeToString(secret)),
                ascii(Base64.getEncoder().withoutPadding().encodeToString(secret)),
                ascii(HexFormat.of().formatHex(secret)), ascii(pass), pass.getBytes(StandardCharsets.UTF_16BE));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertTrue(files.stream().anyMatch(f -> f.getFileName().toString().equals("state.journal")), files.toString());
        for (Path f : files) {
            byte[] content = Files.readAllBytes(f);
            for (byte[] needle : forbidden) {
                assertFalse(contains(content, needle), f + " contains a secret (" + needle.length + " bytes)");
            }
        }
    }

    @Test
    void resetGivesNewCredentialsClearsTheLockAndEnablesAgain() throws Exception {
        Enrolment old = create("alice", "ops");
        for (int i = 0; i < 5; i++) signIn("alice", WRONG, "000000");
        accounts.disable("alice").get(10, TimeUnit.SECONDS);

        Enrolment fresh = accounts.reset("alice").get(10, TimeUnit.SECONDS);

        assertFalse(new String(old.passphrase()).equals(new String(fresh.passphrase())));
        assertFalse(old.totpSecretBase32().equals(fresh.totpSecretBase32()));
        OpsAccount reset = store.opsAccount("alice").orElseThrow();
        assertEquals(0, reset.failures());
        assertEquals(null, reset.lockedUntil());
        assertFalse(reset.disabled());
        assertEquals(Set.of("ops"), reset.groups());
        assertInstanceOf(SignIn.Refused.class, signIn("alice", old.passphrase(), code(fresh, 0)));
        assertInstanceOf(SignIn.Refused.class, signIn("alice", fresh.passphrase(), code(old, 1)));
        assertInstanceOf(SignIn.Ok.class, signIn("alice", fresh.passphrase(), code(fresh, 1)));
        assertEquals(1, events("ops.account_reset").size());
        assertTrue(events("ops.account_reset").get(0).get("was_disabled").asBoolean());
    }

    @Test
    void resetOrDisableOfAnUnknownNameIsNoSuchAccount() {
        assertInstanceOf(OpsAccounts.NoSuchAccount.class, failure(accounts.reset("nobody")));
        assertInstanceOf(OpsAccounts.NoSuchAccount.class, failure(accounts.disable("nobody")));
    }

    // --- Sign-in ---------------------------------------------------------------------------------------------------

    @Test
    void unknownNameWrongPassphraseAndWrongCodeGetOneAndTheSameAnswer() throws Exception {
        Enrolment alice = create("alice", "ops");
        String right = code(alice, 0);
        String wrongCode = right.equals("123456") ? "654321" : "123456";
        List<SignIn> answers = List.of(signIn("nobody", alice.passphrase(), right), signIn("alice", WRONG, right),
                signIn("alice", alice.passphrase(), wrongCode));
        for (SignIn a : answers) assertEquals(new SignIn.Refused(SignIn.REFUSED), a);
        List<String> reasons = events("ops.signin").stream().map(e -> e.get("reason").asText()).toList();
        assertEquals(List.of("unknown_name", "passphrase", "code"), reasons);
    }

    @Test
    void anUnknownNameIsAuditedAsAHashNotAsTyped() throws Exception {
        signIn("K7QXM-RWHAD-23456-ABCDE-ZZZZZ", WRONG, "123456");
        JsonNode e = events("ops.signin").get(0);
        assertFalse(e.has("name"));
        assertEquals(dev.airlock.core.crypto.Hashes.sha256Hex("K7QXM-RWHAD-23456-ABCDE-ZZZZZ"), e.get("name_sha256").asText());
        assertFalse(Files.readString(dir.resolve("audit.log")).contains("K7QXM"));
    }

    @Test
    void aCodeSignsInOnceOnly() throws Exception {
        Enrolment alice = create("alice", "ops");
        String code = code(alice, 0);
        assertInstanceOf(SignIn.Ok.class, signIn("alice", alice.passphrase(), code));
        assertEquals(new SignIn.Refused(SignIn.REFUSED), signIn("alice", alice.passphrase(), code));
    }

    @Test
    void anOlderCodeAfterANewerOneIsRefused() throws Exception {
        Enrolment alice = create("alice", "ops");
        assertInstanceOf(SignIn.Ok.class, signIn("alice", alice.passphrase(), code(alice, 1)));
        assertEquals(new SignIn.Refused(SignIn.REFUSED), signIn("alice", alice.passphrase(), code(alice, 0)));
    }

    @Test
    void anAcceptedCodeStaysUsedAfterARestart() throws Exception {
        Enrolment alice = create("alice", "ops");
        String code = code(alice, 0);
        assertInstanceOf(SignIn.Ok.class, signIn("alice", alice.passphrase(), code));
        close();
        open();
        assertEquals(new SignIn.Refused(SignIn.REFUSED), signIn("alice", alice.passphrase(), code));
    }

    @Test
    void aWrongPassphraseDoesNotSpendTheCode() throws Exception {
        Enrolment alice = create("alice", "ops");
        String code = code(alice, 0);
        assertInstanceOf(SignIn.Refused.class, signIn("alice", WRONG, code));
        assertInstanceOf(SignIn.Ok.class, signIn("alice", alice.passphrase(), code));
    }

    @Test
    void aDisabledAccountNeverSignsInAndSaysNothingDifferent() throws Exception {
        Enrolment alice = create("alice", "ops");
        accounts.disable("alice").get(10, TimeUnit.SECONDS);
        assertEquals(new SignIn.Refused(SignIn.REFUSED), signIn("alice", alice.passphrase(), code(alice, 0)));
        assertTrue(store.opsAccount("alice").orElseThrow().disabled());
        assertEquals("disabled", events("ops.signin").get(0).get("reason").asText());
        assertEquals(1, events("ops.account_disabled").size());
    }

    @Test
    void fiveFailuresLockForAMinuteThenEachFurtherFailureDoublesUpToAnHour() throws Exception {
        Enrolment alice = create("alice", "ops");
        for (int i = 1; i <= 5; i++) {
            assertEquals(new SignIn.Refused(SignIn.REFUSED), signIn("alice", WRONG, code(alice, 0)), "failure " + i);
        }
        // Locked: even the right passphrase and code are not looked at.
        assertEquals(new SignIn.Locked(Duration.ofMinutes(1)), signIn("alice", alice.passphrase(), code(alice, 0)));
        clock.advance(Duration.ofSeconds(59));
        assertEquals(new SignIn.Locked(Duration.ofSeconds(1)), signIn("alice", alice.passphrase(), code(alice, 0)));

        long[] expectedMinutes = {2, 4, 8, 16, 32, 60, 60};
        Duration lock = Duration.ofMinutes(1);
        clock.advance(Duration.ofSeconds(1));
        for (long minutes : expectedMinutes) {
            assertInstanceOf(SignIn.Refused.class, signIn("alice", WRONG, "000000"));
            assertEquals(new SignIn.Locked(Duration.ofMinutes(minutes)), signIn("alice", WRONG, "000000"));
            lock = Duration.ofMinutes(minutes);
            clock.advance(lock);
        }
        assertEquals(12, store.opsAccount("alice").orElseThrow().failures());
        assertEquals(Duration.ofHours(1), lock);
    }

    @Test
    void aSuccessResetsTheFailureCount() throws Exception {
        Enrolment alice = create("alice", "ops");
        for (int i = 0; i < 4; i++) signIn("alice", WRONG, "000000");
        assertInstanceOf(SignIn.Ok.class, signIn("alice", alice.passphrase(), code(alice, 0)));
        assertEquals(0, store.opsAccount("alice").orElseThrow().failures());
        for (int i = 0; i < 4; i++) signIn("alice", WRONG, "000000");
        assertInstanceOf(SignIn.Ok.class, signIn("alice", alice.passphrase(), code(alice, 1)));
    }

    @Test
    void afterTheLockExpiresTheRightCredentialsSignIn() throws Exception {
        Enrolment alice = create("alice", "ops");
        for (int i = 0; i < 5; i++) signIn("alice", WRONG, "000000");
        clock.advance(Duration.ofMinutes(1));
        assertInstanceOf(SignIn.Ok.class, signIn("alice", alice.passphrase(), code(alice, 0)));
        OpsAccount after = store.opsAccount("alice").orElseThrow();
        assertEquals(0, after.failures());
        assertEquals(null, after.lockedUntil());
    }

    @Test
    void anUnknownNameLocksOnTheSameScheduleAsARealOne() throws Exception {
        create("alice", "ops");
        for (int i = 0; i < 5; i++) {
            assertEquals(signIn("alice", WRONG, "000000"), signIn("nobody", WRONG, "000000"), "attempt " + i);
        }
        assertEquals(new SignIn.Locked(Duration.ofMinutes(1)), signIn("nobody", WRONG, "000000"));
        assertEquals(signIn("alice", WRONG, "000000"), signIn("nobody", WRONG, "000000"));
    }

    @Test
    void aTotpSecretThatDoesNotOpenIsAnInternalFailureNotARefusal() throws Exception {
        Enrolment alice = create("alice", "ops");
        byte[] otherKey = new byte[32];
        random.nextBytes(otherKey);
        OpsAccounts wrongKey = accountsWith(new SecretBox(otherKey, random));
        Throwable f = failure(wrongKey.signIn("alice", alice.passphrase(), code(alice, 0)));
        assertInstanceOf(IllegalStateException.class, f);
        assertInstanceOf(IllegalStateException.class, failure(wrongKey.verify("alice", code(alice, 0))));
    }

    @Test
    void aSealedSecretCopiedOntoAnotherAccountDoesNotOpen() throws Exception {
        Enrolment alice = create("alice", "ops");
        create("bob", "ops");
        OpsAccount bob = store.opsAccount("bob").orElseThrow();
        String alicesSealed = store.opsAccount("alice").orElseThrow().totpSealed();
        assertTrue(store.saveOpsAccount(new OpsAccount("bob", bob.groups(), bob.passphraseHash(), alicesSealed, 0, 0,
                null, bob.createdAt(), false, bob.version() + 1)).get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, failure(accounts.verify("bob", code(alice, 0))));
    }

    // --- Fresh factor ----------------------------------------------------------------------------------------------

    @Test
    void verifyAcceptsAFreshCodeOnceAndAnOlderOneNeverAfterANewer() throws Exception {
        Enrolment alice = create("alice", "ops");
        assertTrue(verify("alice", code(alice, 0)));
        assertFalse(verify("alice", code(alice, 0)));
        assertTrue(verify("alice", code(alice, 1)));
        assertFalse(verify("alice", code(alice, -1)));
        // Both refusals were codes of this account, just not later than the last one accepted.
        assertEquals(List.of("not_fresh", "not_fresh"),
                events("ops.code_refused").stream().map(e -> e.get("reason").asText()).toList());
    }

    @Test
    void verifyAfterABackwardCorrectionIsRefusedAsClockBehindNotCountedAndTheResetLetsTheNextCodeIn() throws Exception {
        Enrolment alice = create("alice", "ops");
        clock.step(Duration.ofHours(1));
        assertTrue(verify("alice", code(alice, 0)));
        long ahead = Totp.step(clock.instant());
        clock.step(Duration.ofHours(-1));

        for (int i = 0; i < OpsAccounts.FREE_FAILURES + 2; i++) assertFalse(verify("alice", code(alice, 0)));

        OpsAccount a = store.opsAccount("alice").orElseThrow();
        assertEquals(0, a.failures(), "a genuine code refused for the clock is no failure");
        assertEquals(ahead, a.lastTotpStep());
        JsonNode refused = events("ops.code_refused").get(0);
        assertEquals("clock_behind", refused.get("reason").asText());
        assertEquals(new StepAhead("alice", ahead - Totp.step(clock.instant())).message(), refused.get("message").asText());
        assertEquals(refused.get("message").asText(), accounts.stepAhead("alice").orElseThrow().message());

        assertTrue(accounts.resetTotpStep("alice").get(10, TimeUnit.SECONDS).isPresent());
        assertEquals(Totp.step(clock.instant()), store.opsAccount("alice").orElseThrow().lastTotpStep());
        assertFalse(verify("alice", code(alice, 0)), "the current step's code stays spent");
        assertFalse(verify("alice", code(alice, -1)));
        assertTrue(verify("alice", code(alice, 1)));
        assertTrue(accounts.stepAhead("alice").isEmpty());
    }

    @Test
    void aCodeAcceptedWhileTheClockWasAheadIsNotAcceptedAgainWhenRealTimeReachesItsStepAfterAReset()
            throws Exception {
        Enrolment alice = create("alice", "ops");
        clock.step(Duration.ofMinutes(10));
        String early = code(alice, 0);
        assertTrue(verify("alice", early), "accepted while the clock is 10 minutes ahead");
        clock.step(Duration.ofMinutes(-10));
        assertTrue(accounts.resetTotpStep("alice").get(10, TimeUnit.SECONDS).isPresent());
        assertTrue(verify("alice", code(alice, 1)), "the reset lets fresh codes in at once");

        clock.advance(Duration.ofMinutes(10));
        assertFalse(verify("alice", early), "real time reached its step: the code seen then is still spent");
        assertEquals("not_fresh", events("ops.code_refused").get(events("ops.code_refused").size() - 1)
                .get("reason").asText());
        assertFalse(signIn("alice", alice.passphrase(), early) instanceof SignIn.Ok);
        clock.advance(Duration.ofSeconds(30));
        assertTrue(verify("alice", code(alice, 0)), "and the next step's code is fresh");
    }

    @Test
    void anAccountRemembersItsLastAcceptedStepsAcrossARestartAndNoMoreThanTheBound() throws Exception {
        Enrolment alice = create("alice", "ops");
        for (int i = 0; i < OpsAccount.RECENT_STEPS + 3; i++) {
            clock.advance(Duration.ofSeconds(30));
            assertTrue(verify("alice", code(alice, 0)));
        }
        List<Long> recent = store.opsAccount("alice").orElseThrow().recentSteps();
        assertEquals(OpsAccount.RECENT_STEPS, recent.size());
        assertEquals(Totp.step(clock.instant()), recent.get(recent.size() - 1));
        store.close();
        store = FileStateStore.open(dir, clock);
        assertEquals(recent, store.opsAccount("alice").orElseThrow().recentSteps());
    }

    @Test
    void aWrongCodeAfterABackwardCorrectionIsStillAFailure() throws Exception {
        Enrolment alice = create("alice", "ops");
        clock.step(Duration.ofHours(1));
        assertTrue(verify("alice", code(alice, 0)));
        clock.step(Duration.ofHours(-1));
        String wrong = String.format("%06d", (Integer.parseInt(code(alice, 0)) + 500_000) % 1_000_000);
        assertFalse(verify("alice", wrong));
        assertEquals(1, store.opsAccount("alice").orElseThrow().failures());
        assertEquals("wrong", events("ops.code_refused").get(0).get("reason").asText());
    }

    @Test
    void sixteenThreadsVerifyingTheSameCodeGetExactlyOneTrue() throws Exception {
        Enrolment alice = create("alice", "ops");
        String code = code(alice, 0);
        List<Boolean> results = concurrently(16, () -> accounts.verify("alice", code));
        assertEquals(1, results.stream().filter(b -> b).count(), results.toString());
        assertEquals(Totp.step(clock.instant()), store.opsAccount("alice").orElseThrow().lastTotpStep());
        assertEquals(1, events("ops.code_accepted").size());
    }

    @Test
    void concurrentFailuresAreAllCountedUpToTheLock() throws Exception {
        Enrolment alice = create("alice", "ops");
        String wrong = code(alice, 0).equals("123456") ? "654321" : "123456";
        List<Boolean> results = concurrently(16, () -> accounts.verify("alice", wrong));
        assertFalse(results.contains(true));
        OpsAccount after = store.opsAccount("alice").orElseThrow();
        assertEquals(5, after.failures());
        assertEquals(clock.instant().plus(Duration.ofMinutes(1)), after.lockedUntil());
    }

    @Test
    void verifyFailuresCountTowardTheLockAndALockedAccountIsRefused() throws Exception {
        Enrolment alice = create("alice", "ops");
        String right = code(alice, 0);
        String wrong = right.equals("123456") ? "654321" : "123456";
        for (int i = 0; i < 5; i++) assertFalse(verify("alice", wrong));
        assertFalse(verify("alice", right));
        assertEquals(new SignIn.Locked(Duration.ofMinutes(1)), signIn("alice", alice.passphrase(), code(alice, 1)));
        assertEquals("locked", events("ops.code_refused").get(5).get("reason").asText());
        clock.advance(Duration.ofMinutes(1));
        assertTrue(verify("alice", code(alice, 0)));
    }

    @Test
    void verifyRefusesDisabledAndUnknownAccountsAndMalformedCodes() throws Exception {
        Enrolment alice = create("alice", "ops");
        assertFalse(verify("nobody", code(alice, 0)));
        assertFalse(verify("alice", null));
        assertFalse(verify("alice", " " + code(alice, 0)));
        accounts.disable("alice").get(10, TimeUnit.SECONDS);
        assertFalse(verify("alice", code(alice, 0)));
        List<String> reasons = events("ops.code_refused").stream().map(e -> e.get("reason").asText()).toList();
        assertEquals(List.of("unknown_name", "malformed", "malformed", "disabled"), reasons);
    }

    // --- Audit -----------------------------------------------------------------------------------------------------

    @Test
    void everyDecisionIsAuditedByTheTimeItsFutureCompletesWithoutPassphraseOrCode() throws Exception {
        Enrolment alice = create("alice", "ops");
        String first = code(alice, 0);
        String second = code(alice, 1);
        signIn("alice", alice.passphrase(), first);
        signIn("alice", WRONG, second);
        verify("alice", second);
        verify("alice", second);
        accounts.reset("alice").get(10, TimeUnit.SECONDS);
        accounts.disable("alice").get(10, TimeUnit.SECONDS);

        List<String> types = events(null).stream().map(e -> e.get("type").asText()).toList();
        assertEquals(List.of("ops.account_created", "ops.signin", "ops.signin", "ops.code_accepted", "ops.code_refused",
                "ops.account_reset", "ops.account_disabled"), types);
        JsonNode created = events("ops.account_created").get(0);
        assertEquals("alice", created.get("name").asText());
        assertEquals("[\"ops\"]", created.get("groups").toString());
        assertEquals(List.of("ok", "refused"), events("ops.signin").stream().map(e -> e.get("outcome").asText()).toList());
        String log = Files.readString(dir.resolve("audit.log"));
        assertFalse(log.contains(new String(alice.passphrase())));
        for (JsonNode e : events(null)) {
            for (Iterator<JsonNode> values = e.elements(); values.hasNext(); ) {
                String v = values.next().asText();
                assertFalse(v.equals(first) || v.equals(second), "a code in " + e);
            }
        }
    }

    // --- Helpers ---------------------------------------------------------------------------------------------------

    Enrolment create(String name, String... groups) throws Exception {
        return accounts.create(name, Set.of(groups)).get(10, TimeUnit.SECONDS);
    }

    SignIn signIn(String name, char[] passphrase, String code) throws Exception {
        return accounts.signIn(name, passphrase, code).get(10, TimeUnit.SECONDS);
    }

    boolean verify(String name, String code) throws Exception {
        return accounts.verify(name, code).get(10, TimeUnit.SECONDS);
    }

    /** The code for the step {@code offset} steps from the clock's. */
    String code(Enrolment e, int offset) {
        return Totp.code(Totp.fromBase32(e.totpSecretBase32()), Totp.step(clock.instant()) + offset);
    }

    static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return e.getCause();
    }

    /** Audit events of one type (all when null), in log order. */
    List<JsonNode> events(String type) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("audit.log"))) {
            JsonNode e = JSON.readTree(line);
            if (type == null || e.get("type").asText().equals(type)) out.add(e);
        }
        return out;
    }

    static <T> List<T> concurrently(int threads, java.util.concurrent.Callable<CompletableFuture<T>> call)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.call().get(30, TimeUnit.SECONDS);
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) results.add(f.get(60, TimeUnit.SECONDS));
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    static byte[] randomKey(SecureRandom random) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return key;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }
}
