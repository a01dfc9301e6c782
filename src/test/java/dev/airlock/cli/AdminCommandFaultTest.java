package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.audit.AuditedChange;
import dev.airlock.core.crypto.MasterKey;
import dev.airlock.core.ops.OpsAccount;
import dev.airlock.store.embedded.FileStateStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 13, finding 1 and must-show 1 for the admin CLI: with the audit log or the store failing as a full disk does,
 * {@code agent add}, {@code revoke}, {@code env freeze}, {@code ops add|reset|disable} report exactly what happened,
 * and the state file and the audit log agree with what they printed. The failures are injected around the real files
 * ({@link FailingWrites}); both are then read back from disk.
 */
class AdminCommandFaultTest {
    @TempDir
    Path data;

    record Run(int exit, String out, String err) {}

    /** A jti the audit log records as issued: revoke --jti refuses any other (issue 16). */
    static final String JTI = "Issu3d_jti-0123456789a";

    @BeforeEach
    void serverRanOnce() throws Exception {
        MasterKey.load(data, null, new SecureRandom());
        try (dev.airlock.core.audit.AuditLog log = dev.airlock.core.audit.AuditLog.open(data.resolve("audit.log"),
                Clock.systemUTC())) {
            log.append(dev.airlock.core.audit.AuditEvent.of("token.minted").with("client_id", "coding-agent")
                    .with("env", "staging").with("jti", JTI).build()).join();
        }
    }

    // --- agent add -------------------------------------------------------------------------------------------------

    @Test
    void agentAddWhenTheAuditLogIsFullThenNotDoneNoSecretShownAndTheOldSecretStillInEffect() throws Exception {
        assertEquals(0, agentAdd(null).exit());
        String before = stored(s -> s.agentSecretHash("coding-agent")).orElseThrow();

        Run r = agentAdd(FailingWrites.auditFromWrite(1));

        assertEquals(1, r.exit(), r.err());
        assertFalse(r.out().contains(AgentCommand.SECRET_PREFIX), "no secret shown: " + r.out());
        assertTrue(r.err().contains("not done: the audit log could not be written (" + FailingWrites.DISK_FULL
                + "); nothing was changed"), r.err());
        assertEquals(before, stored(s -> s.agentSecretHash("coding-agent")).orElseThrow(), "the old secret still works");
        assertEquals(1, events("agent.secret_issued"), "only the first, successful add is recorded");
    }

    @Test
    void agentAddWhenTheStoreIsFullThenNotDoneAndTheAuditLogSaysItDidNotTakeEffect() throws Exception {
        assertEquals(0, agentAdd(null).exit());
        String before = stored(s -> s.agentSecretHash("coding-agent")).orElseThrow();

        Run r = agentAdd(FailingWrites.storeFromWrite(1));

        assertEquals(1, r.exit(), r.err());
        assertFalse(r.out().contains(AgentCommand.SECRET_PREFIX), "no secret shown: " + r.out());
        assertTrue(r.err().startsWith(FailingWrites.DISK_FULL + "; not done: the audit log records the attempt"
                + " (agent.secret_issued) and that it did not take effect (change.not_done)"), r.err());
        assertEquals(before, stored(s -> s.agentSecretHash("coding-agent")).orElseThrow());
        assertEquals(2, events("agent.secret_issued"));
        assertTrue(last().contains("\"type\":\"change.not_done\"") && last().contains("\"change\":\"agent.secret_issued\"")
                && last().contains("\"client_id\":\"coding-agent\"") && last().contains(FailingWrites.DISK_FULL), last());
    }

    @Test
    void agentAddWhenTheStoreAndThenTheAuditLogFailThenTheMessageSaysTheLogHoldsAnUnfinishedDecision() throws Exception {
        Run r = agentAdd(FailingWrites.storeAndAuditFromWrite(2));

        assertEquals(1, r.exit(), r.err());
        assertFalse(r.out().contains(AgentCommand.SECRET_PREFIX));
        assertTrue(r.err().contains("the audit log records the attempt (agent.secret_issued) and could not record that"
                + " it did not take effect: " + FailingWrites.DISK_FULL), r.err());
        assertTrue(stored(s -> s.agentSecretHash("coding-agent")).isEmpty());
        assertEquals(1, events("agent.secret_issued"));
        assertEquals(0, events(AuditedChange.NOT_DONE));
    }

    // --- revoke, env freeze ----------------------------------------------------------------------------------------

    @Test
    void revokeWhenTheAuditLogIsFullThenNotDoneAndNotRevoked() throws Exception {
        Run r = run(new RevokeCommand(), FailingWrites.auditFromWrite(1), "--jti", JTI);
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("nothing was changed"), r.err());
        assertFalse(flag(s -> s.isRevoked(JTI)));
        assertEquals(0, events("token.revoked"));
    }

    @Test
    void revokeWhenTheStoreIsFullThenNotDoneNotRevokedAndTheAuditLogSaysSo() throws Exception {
        Run r = run(new RevokeCommand(), FailingWrites.storeFromWrite(1), "--jti", JTI);
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("not done"), r.err());
        assertFalse(flag(s -> s.isRevoked(JTI)));
        assertEquals(1, events("token.revoked"));
        assertTrue(last().contains("\"change\":\"token.revoked\"") && last().contains("\"jti\":\"" + JTI + "\""), last());
    }

    @Test
    void revokeWhenBothWritesSucceedThenBothFilesHaveIt() throws Exception {
        Run r = run(new RevokeCommand(), null, "--jti", JTI);
        assertEquals(0, r.exit(), r.err());
        assertTrue(flag(s -> s.isRevoked(JTI)));
        assertEquals(1, events("token.revoked"));
    }

    @Test
    void envFreezeWhenTheAuditLogIsFullThenNotDoneAndNotFrozen() throws Exception {
        Run r = run(new EnvCommand(), FailingWrites.auditFromWrite(1), "freeze", "staging");
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("nothing was changed"), r.err());
        assertFalse(flag(s -> s.isFrozen("staging")));
        assertEquals(0, events("env.frozen"));
    }

    @Test
    void envFreezeWhenTheStoreIsFullThenNotDoneNotFrozenAndTheAuditLogSaysSo() throws Exception {
        Run r = run(new EnvCommand(), FailingWrites.storeFromWrite(1), "freeze", "staging");
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertFalse(flag(s -> s.isFrozen("staging")));
        assertEquals(1, events("env.frozen"));
        assertTrue(last().contains("\"change\":\"env.frozen\"") && last().contains("\"env\":\"staging\""), last());
    }

    // --- ops add, reset, disable -----------------------------------------------------------------------------------

    @Test
    void opsAddWhenTheAuditLogIsFullThenNotDoneNoCredentialsShownAndNoAccount() throws Exception {
        Run r = run(new OpsCommand(), FailingWrites.auditFromWrite(1), "add", "bob", "--group", "ops", "--no-qr");
        assertEquals(1, r.exit(), r.err());
        assertFalse(r.out().contains("Passphrase"), r.out());
        assertTrue(stored(s -> s.opsAccount("bob")).isEmpty());
        assertEquals(0, events("ops.account_created"));
    }

    @Test
    void opsAddWhenTheStoreIsFullThenNotDoneNoCredentialsShownAndTheAuditLogSaysSo() throws Exception {
        Run r = run(new OpsCommand(), FailingWrites.storeFromWrite(1), "add", "bob", "--group", "ops", "--no-qr");
        assertEquals(1, r.exit(), r.err());
        assertFalse(r.out().contains("Passphrase"), r.out());
        assertTrue(stored(s -> s.opsAccount("bob")).isEmpty());
        assertEquals(1, events("ops.account_created"));
        assertTrue(last().contains("\"change\":\"ops.account_created\""), last());
    }

    @Test
    void opsResetWhenTheAuditLogIsFullThenNotDoneAndTheOldCredentialsStand() throws Exception {
        assertEquals(0, run(new OpsCommand(), null, "add", "bob", "--group", "ops", "--no-qr").exit());
        OpsAccount before = stored(s -> s.opsAccount("bob")).orElseThrow();

        Run r = run(new OpsCommand(), FailingWrites.auditFromWrite(1), "reset", "bob", "--no-qr");

        assertEquals(1, r.exit(), r.err());
        assertFalse(r.out().contains("Passphrase"), r.out());
        assertEquals(before, stored(s -> s.opsAccount("bob")).orElseThrow());
        assertEquals(0, events("ops.account_reset"));
    }

    @Test
    void opsResetWhenTheStoreIsFullThenNotDoneAndTheAuditLogSaysSo() throws Exception {
        assertEquals(0, run(new OpsCommand(), null, "add", "bob", "--group", "ops", "--no-qr").exit());
        OpsAccount before = stored(s -> s.opsAccount("bob")).orElseThrow();

        Run r = run(new OpsCommand(), FailingWrites.storeFromWrite(1), "reset", "bob", "--no-qr");

        assertEquals(1, r.exit(), r.err());
        assertFalse(r.out().contains("Passphrase"), r.out());
        assertEquals(before, stored(s -> s.opsAccount("bob")).orElseThrow());
        assertEquals(1, events("ops.account_reset"));
        assertTrue(last().contains("\"change\":\"ops.account_reset\""), last());
    }

    @Test
    void opsDisableWhenTheAuditLogIsFullThenNotDoneAndStillEnabled() throws Exception {
        assertEquals(0, run(new OpsCommand(), null, "add", "bob", "--group", "ops", "--no-qr").exit());

        Run r = run(new OpsCommand(), FailingWrites.auditFromWrite(1), "disable", "bob");

        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertFalse(stored(s -> s.opsAccount("bob")).orElseThrow().disabled());
        assertEquals(0, events("ops.account_disabled"));
    }

    @Test
    void opsDisableWhenTheStoreIsFullThenNotDoneStillEnabledAndTheAuditLogSaysSo() throws Exception {
        assertEquals(0, run(new OpsCommand(), null, "add", "bob", "--group", "ops", "--no-qr").exit());

        Run r = run(new OpsCommand(), FailingWrites.storeFromWrite(1), "disable", "bob");

        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertFalse(stored(s -> s.opsAccount("bob")).orElseThrow().disabled());
        assertEquals(1, events("ops.account_disabled"));
        assertTrue(last().contains("\"change\":\"ops.account_disabled\""), last());
    }

    // --- Helpers ---------------------------------------------------------------------------------------------------

    Run agentAdd(FailingWrites faults) {
        return run(new AgentCommand(), faults, "add", "coding-agent");
    }

    /** Runs a command on the data directory, its store and audit log wrapped in {@code faults} (null: none). */
    Run run(Object command, FailingWrites faults, String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data";
        all[args.length + 1] = data.toString();
        all[args.length + 2] = "--policy";
        all[args.length + 3] = "scopes";
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            @SuppressWarnings("unchecked")
            public <K> K create(Class<K> cls) throws Exception {
                K made = CommandLine.defaultFactory().create(cls);
                if (made instanceof DataDirOptions o && faults != null) o.wrapping = faults;
                return made;
            }
        };
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(command, factory).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute(all);
        return new Run(exit, out.toString(), err.toString());
    }

    /** Reads the state file back, as a server starting on the directory would. */
    <T> T stored(Function<FileStateStore, T> read) throws Exception {
        try (FileStateStore s = FileStateStore.open(data, Clock.systemUTC())) {
            return read.apply(s);
        }
    }

    List<String> auditLines() throws Exception {
        Path log = data.resolve("audit.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    long events(String type) throws Exception {
        return auditLines().stream().filter(l -> l.contains("\"type\":\"" + type + "\"")).count();
    }

    String last() throws Exception {
        List<String> all = auditLines();
        return all.isEmpty() ? "" : all.get(all.size() - 1);
    }

    boolean flag(java.util.function.Predicate<FileStateStore> read) throws Exception {
        return stored(read::test);
    }
}
