package dev.airlock.cli;

import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.check.TokenAdmin;
import dev.airlock.core.journal.PrivateFiles;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.store.StateStore;
import dev.airlock.store.embedded.FileStateStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;

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
    private final FileStateStore storeFile;
    private final AuditLog auditFile;

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
        this.policy = policy;
        this.storeFile = store;
        this.auditFile = audit;
        this.store = wrapping.store(store);
        this.audit = wrapping.audit(audit);
        this.admin = new TokenAdmin(policy, this.store, this.audit);
    }

    static LocalState open(DataDirOptions o) throws IOException, PolicyException {
        Policy policy = PolicyLoader.load(o.policy);
        PrivateFiles.createDataDirectory(o.data);
        PrivateFiles.requireSafeDataDirectory(o.data);
        Clock clock = Clock.systemUTC();
        FileStateStore store = FileStateStore.open(o.data, clock);
        try {
            return new LocalState(policy, store, AuditLog.open(o.data.resolve("audit.log"), clock), o.wrapping);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Runs a command body with the state open; maps the usual failures to exit code 2 with a message. */
    static int run(DataDirOptions o, PrintWriter err, Body body) {
        try (LocalState s = open(o)) {
            return body.run(s);
        } catch (PolicyException e) {
            err.println("policy " + o.policy + " is not valid:\n" + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("cannot open " + o.data + ": " + PrivateFiles.explain(e));
            return 2;
        } catch (java.util.concurrent.ExecutionException e) {
            err.println(e.getCause().getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 2;
        }
    }

    interface Body {
        int run(LocalState s) throws IOException, java.util.concurrent.ExecutionException, InterruptedException;
    }

    @Override
    public void close() {
        try {
            auditFile.close();
        } finally {
            storeFile.close();
        }
    }
}
