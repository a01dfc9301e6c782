package dev.airlock.cli;

import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.audit.IssuedTokens;
import dev.airlock.core.check.TokenAdmin;
import dev.airlock.core.journal.PrivateFiles;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.store.embedded.FileStateStore;
import dev.airlock.store.postgres.PgSettings;
import dev.airlock.store.postgres.PgStateStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import dev.airlock.core.journal.AppendOnlyFile;

/**
 * The store and audit log of a data directory, opened by a CLI command. Safe while a server runs on the same
 * directory: appends are serialised by the journal's file lock, and the server picks the change up within
 * {@code AirlockServer.REFRESH_MILLIS}.
 */
final class LocalState implements AutoCloseable {
    final Policy policy;
    final StateStore store;
    final AuditSink audit;
    final TokenAdmin admin;
    /** Torn file ends found by a read-only open (none for PostgreSQL). */
    private final List<String> recoveryNotes;
    private final AutoCloseable storeToClose;
    private final AutoCloseable auditToClose;

    /**
     * A seam around the real store and audit log: a test wraps them in decorators that fail a chosen write (fault
     * injection on the real files, not a mock of them).
     */
    interface Wrapping {
        Wrapping NONE = new Wrapping() {};

        default StateStore store(StateStore real) {
            return real;
        }

        default AuditSink audit(AuditSink real) {
            return real;
        }
    }

    private LocalState(Policy policy, FileStateStore store, AuditLog audit, Wrapping wrapping) {
        this(policy, store, audit, audit, wrapping, concat(store.recoveryNotes(), audit.recoveryNotes()), store, audit);
    }

    private LocalState(Policy policy, StateStore store, AuditSink audit, IssuedTokens issued, Wrapping wrapping,
                       List<String> notes, AutoCloseable storeToClose, AutoCloseable auditToClose) {
        this.policy = policy;
        this.recoveryNotes = notes;
        this.storeToClose = storeToClose;
        this.auditToClose = auditToClose;
        this.store = wrapping.store(store);
        this.audit = wrapping.audit(audit);
        this.admin = new TokenAdmin(policy, this.store, this.audit, issued);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /**
     * The PostgreSQL store named by {@code --store}: state and audit log both there, one transaction per change.
     * The CLI signs no checkpoint (it has no audit key open); the next server's checkpoint covers its lines.
     */
    private static LocalState openShared(DataDirOptions o, Policy policy, PgSettings shared) throws IOException {
        PgStateStore pg = PgStateStore.open(shared.location(), shared.password(), Clock.systemUTC(),
                AssertionLimits.DEFAULT, new StorageHealth(), null, null);
        return new LocalState(policy, pg, pg, pg, o.wrapping, List.of(), pg, () -> {});
    }

    /** For commands that change state: a torn end of either file is repaired and the repair audited first. */
    static LocalState open(DataDirOptions o) throws IOException, PolicyException {
        Policy policy = PolicyLoader.load(o.policy);
        PgSettings shared = o.shared();
        if (shared != null) return openShared(o, policy, shared);
        PrivateFiles.createDataDirectory(o.data);
        PrivateFiles.requireSafeDataDirectory(o.data);
        Clock clock = Clock.systemUTC();
        FileStateStore store = FileStateStore.open(o.data, clock);
        try {
            AuditLog audit = AuditLog.open(o.data.resolve("audit.log"), clock);
            LocalState s = new LocalState(policy, store, audit, o.wrapping);
            List<AppendOnlyFile.Repair> repairs = new ArrayList<>(store.repairs());
            repairs.addAll(audit.repairs());
            try {
                audit.recordRepairs(repairs).join();
            } catch (RuntimeException e) {
                s.close();
                throw new IOException("cannot record the repair of a torn file end: " + e.getMessage(), e);
            }
            return s;
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * For commands that only read ({@code ops list}): nothing is repaired, written or compacted (issue 13, finding
     * 3: even {@code ops list} used to cut a torn last line). A torn end is read around and reported on standard
     * error; the server, or the next command that writes, moves it aside and audits that.
     */
    static LocalState openReadOnly(DataDirOptions o) throws IOException, PolicyException {
        Policy policy = PolicyLoader.load(o.policy);
        PgSettings shared = o.shared();
        if (shared != null) return openShared(o, policy, shared);
        PrivateFiles.requireSafeDataDirectory(o.data);
        Clock clock = Clock.systemUTC();
        FileStateStore store = FileStateStore.openReadOnly(o.data, clock);
        try {
            return new LocalState(policy, store, AuditLog.openReadOnly(o.data.resolve("audit.log"), clock), o.wrapping);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** As {@link #run}, read-only: a torn file end found is reported on {@code err}, and left as it is. */
    static int runReadOnly(DataDirOptions o, PrintWriter err, Body body) {
        return run(o, err, body, true);
    }

    /** Runs a command body with the state open; maps the usual failures to exit code 2 with a message. */
    static int run(DataDirOptions o, PrintWriter err, Body body) {
        return run(o, err, body, false);
    }

    private static int run(DataDirOptions o, PrintWriter err, Body body, boolean readOnly) {
        try (LocalState s = readOnly ? openReadOnly(o) : open(o)) {
            if (readOnly) {
                for (String found : s.recoveryNotes) err.println("warning: " + found);
                err.flush();
            }
            int rc = body.run(s);
            if (rc == 0 && !readOnly && s.storeToClose instanceof PgStateStore pg) awaitReplicas(pg, err);
            return rc;
        } catch (PolicyException e) {
            err.println(LintCommand.invalid(o.policy, e, ""));
            return 2;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("cannot open " + (o.store != null ? "the PostgreSQL store" : o.data) + ": "
                    + PrivateFiles.explain(e));
            return 2;
        } catch (java.util.concurrent.ExecutionException e) {
            err.println(e.getCause().getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 2;
        }
    }

    /** How long a {@code --store} command waits for the replicas to read its change. */
    static final java.time.Duration REPLICA_WAIT = java.time.Duration.ofSeconds(5);

    /**
     * A change made with {@code --store} is committed; before returning, wait until every live replica has read it
     * (issue 14: in effect everywhere when the command returns). A replica still behind after {@link #REPLICA_WAIT} is
     * named on standard error: the change stands (it is committed) and that replica applies it at its next read; a
     * replica that cannot reach the database answers 503 meanwhile, never on the old state.
     */
    private static void awaitReplicas(PgStateStore pg, PrintWriter err) {
        try {
            for (dev.airlock.store.postgres.PgReplicas.Behind b : pg.awaitReplicas(REPLICA_WAIT)) {
                err.printf("warning: committed, but replica %s has not read it yet (last heard %.1f s ago); it applies"
                        + " it at its next read%n", b.id(), b.secondsSinceHeard());
            }
        } catch (IOException e) {
            err.println("warning: committed, but could not confirm that every replica has read it: "
                    + PrivateFiles.explain(e));
        }
        err.flush();
    }

    interface Body {
        int run(LocalState s) throws IOException, java.util.concurrent.ExecutionException, InterruptedException;
    }

    @Override
    public void close() {
        try {
            auditToClose.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            try {
                storeToClose.close();
            } catch (Exception e) {
                // closing a store does not fail in practice; nothing acknowledged depends on it
            }
        }
    }
}
