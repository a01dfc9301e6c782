package dev.airlock.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.journal.AppendOnlyFile;
import dev.airlock.core.journal.StorageUnavailable;
import dev.airlock.core.ops.OpsAccounts.Enrolment;
import dev.airlock.core.ops.OpsAccounts.SignIn;
import dev.airlock.store.embedded.FileStateStore;
import dev.airlock.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, must-show 1, for the ops realm's own state: a sign-in's failure count and lock, and the TOTP step an
 * accepted code consumes, change only together with their audit event. The journal and the audit log live in two
 * directories and the journal layer's seam ({@link AppendOnlyFile#failWritesForTesting}) fails one of them as a full
 * disk would; a writer in "another process" is a competing save into the real store between event and save.
 */
class OpsAuditedFirstTest {
    static final char[] WRONG = "WRONG-WRONG-WRONG-WRONG-WRONG".toCharArray();

    @TempDir
    Path data;
    @TempDir
    Path auditDir;
    final MutableClock clock = MutableClock.at("2030-01-01T00:00:10Z");
    final SecureRandom random = new SecureRandom();
    FileStateStore store;
    AuditLog audit;
    OpsAccounts accounts;
    /** Saves a competing version of the account before each of the next {@code racesLeft} events of this type. */
    volatile String raceOn;
    final AtomicInteger racesLeft = new AtomicInteger();

    @BeforeEach
    void open() throws Exception {
        store = FileStateStore.open(data, clock);
        audit = AuditLog.open(auditDir.resolve("audit.log"), clock);
        AuditSink racing = e -> {
            Object name = e.fields().get("name");
            if (e.type().equals(raceOn) && name != null && racesLeft.getAndDecrement() > 0) {
                OpsAccount a = store.opsAccount(name.toString()).orElseThrow();
                OpsAccount competing = OpsAccounts.copy(a, a.lastTotpStep(), a.failures(), a.lockedUntil(),
                        a.disabled());
                return store.saveOpsAccount(competing).thenCompose(saved -> audit.append(e));
            }
            return audit.append(e);
        };
        byte[] key = new byte[32];
        random.nextBytes(key);
        accounts = new OpsAccounts(store, new SecretBox(key, random), racing, clock, random, PassphrasesTest.CHEAP);
    }

    @AfterEach
    void close() {
        AppendOnlyFile.failWritesForTesting(data, false);
        AppendOnlyFile.failWritesForTesting(auditDir, false);
        audit.close();
        store.close();
    }

    Enrolment alice() {
        return accounts.create("alice", Set.of("ops")).join();
    }

    String code(Enrolment e) {
        return Totp.code(Totp.fromBase32(e.totpSecretBase32()), Totp.step(clock.instant()));
    }

    OpsAccount stored() {
        return store.opsAccount("alice").orElseThrow();
    }

    List<String> events(String type) throws Exception {
        return Files.readAllLines(auditDir.resolve("audit.log")).stream()
                .filter(l -> l.contains("\"type\":\"" + type + "\"")).toList();
    }

    static void assertStorageFault(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        assertTrue(StorageUnavailable.in(e).isPresent(), () -> "a storage fault (503), not: " + e);
    }

    @Test
    void signInWithAWrongPassphraseWhenTheAuditLogCannotBeWrittenThenTheFailureIsNotCounted() throws Exception {
        Enrolment alice = alice();
        OpsAccount before = stored();
        AppendOnlyFile.failWritesForTesting(auditDir, true);
        assertStorageFault(accounts.signIn("alice", WRONG, code(alice)));
        assertEquals(before, stored(), "no failure count, lock or version without its ops.signin event");

        AppendOnlyFile.failWritesForTesting(auditDir, false);
        assertInstanceOf(SignIn.Refused.class, accounts.signIn("alice", WRONG, code(alice)).join());
        assertEquals(1, stored().failures());
        assertEquals(1, events("ops.signin").size());
    }

    @Test
    void anAcceptedCodeWhenTheAuditLogCannotBeWrittenThenItsStepIsNotConsumedAndItWorksOnceAfterRecovery()
            throws Exception {
        Enrolment alice = alice();
        String code = code(alice);
        long floor = stored().lastTotpStep();
        AppendOnlyFile.failWritesForTesting(auditDir, true);
        assertStorageFault(accounts.verify("alice", code));
        assertStorageFault(accounts.signIn("alice", alice.passphrase(), code));
        assertEquals(floor, stored().lastTotpStep(), "the step moves only with its event");

        AppendOnlyFile.failWritesForTesting(auditDir, false);
        assertTrue(accounts.verify("alice", code).join());
        assertEquals(List.of(false), List.of(accounts.verify("alice", code).join()), "and then once only");
        assertEquals(1, events("ops.code_accepted").size());
    }

    @Test
    void anAcceptedSignInWhenTheJournalCannotBeWrittenThenTheLogSaysItWasNotDone() throws Exception {
        Enrolment alice = alice();
        long floor = stored().lastTotpStep();
        AppendOnlyFile.failWritesForTesting(data, true);
        assertStorageFault(accounts.signIn("alice", alice.passphrase(), code(alice)));
        assertEquals(floor, stored().lastTotpStep());
        assertEquals(1, events("ops.signin").size(), "the decision is recorded first");
        List<String> notDone = events("change.not_done");
        assertEquals(1, notDone.size(), "and that it did not take effect");
        assertTrue(notDone.get(0).contains("\"change\":\"ops.signin\""), notDone.get(0));
    }

    @Test
    void aSaveLostToAnotherProcessIsRecordedAsNotDoneAndDecidedAgainOnTheAccountAsItStands() throws Exception {
        Enrolment alice = alice();
        raceOn = "ops.signin";
        racesLeft.set(1);
        assertInstanceOf(SignIn.Refused.class, accounts.signIn("alice", WRONG, code(alice)).join());
        assertEquals(1, stored().failures(), "one failure, counted once");
        assertEquals(2, events("ops.signin").size(), "the lost decision and the one that took effect");
        assertEquals(1, events("change.not_done").size());
    }

    @Test
    void aSaveLostOnEveryAttemptGivesUpAfterTheBoundAndWritesNoMoreThanItsEvents() throws Exception {
        Enrolment alice = alice();
        raceOn = "ops.code_accepted";
        racesLeft.set(Integer.MAX_VALUE);
        CompletionException e = assertThrows(CompletionException.class,
                () -> accounts.verify("alice", code(alice)).join());
        assertTrue(e.getCause().getMessage().contains("changed " + OpsAccounts.SAVE_ATTEMPTS + " times"),
                e.getCause().getMessage());
        assertEquals(OpsAccounts.SAVE_ATTEMPTS, events("ops.code_accepted").size());
        assertEquals(OpsAccounts.SAVE_ATTEMPTS, events("change.not_done").size());
    }

    @Test
    void concurrentUsesOfOneCodeInOneProcessAreDecidedInTurnSoNoDecisionIsWrittenThatDidNotTakeEffect()
            throws Exception {
        Enrolment alice = alice();
        String code = code(alice);
        List<CompletableFuture<Boolean>> uses = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            uses.add(CompletableFuture.supplyAsync(() -> accounts.verify("alice", code)).thenCompose(f -> f));
        }
        long accepted = uses.stream().filter(CompletableFuture::join).count();
        assertEquals(1, accepted);
        assertEquals(1, events("ops.code_accepted").size());
        assertEquals(15, events("ops.code_refused").size());
        assertTrue(events("change.not_done").isEmpty(), "every decision written took effect");
    }
}
