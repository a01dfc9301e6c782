package dev.airlock.cli;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.ops.OpsAccount;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.store.ForwardingStateStore;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fault injection for the admin commands: decorators around the REAL file store and audit log (not mocks of them)
 * that fail writes the way a full disk does, from a chosen write on. Reads pass through untouched.
 */
final class FailingWrites implements LocalState.Wrapping {
    static final String DISK_FULL = "No space left on device";

    /** 1 = the first write fails; 0 = none do. */
    private final int storeFailsFrom;
    private final int auditFailsFrom;
    final AtomicInteger storeWrites = new AtomicInteger();
    final AtomicInteger auditWrites = new AtomicInteger();

    private FailingWrites(int storeFailsFrom, int auditFailsFrom) {
        this.storeFailsFrom = storeFailsFrom;
        this.auditFailsFrom = auditFailsFrom;
    }

    static FailingWrites auditFromWrite(int n) {
        return new FailingWrites(0, n);
    }

    static FailingWrites storeFromWrite(int n) {
        return new FailingWrites(n, 0);
    }

    /** The store's first write fails, and the audit log's from its {@code n}-th write on. */
    static FailingWrites storeAndAuditFromWrite(int n) {
        return new FailingWrites(1, n);
    }

    private static <T> CompletableFuture<T> diskFull() {
        return CompletableFuture.failedFuture(new IOException(DISK_FULL));
    }

    private static boolean fails(AtomicInteger count, int from) {
        return from > 0 && count.incrementAndGet() >= from;
    }

    @Override
    public AuditSink audit(AuditSink real) {
        return (AuditEvent e) -> fails(auditWrites, auditFailsFrom) ? diskFull() : real.append(e);
    }

    @Override
    public StateStore store(StateStore real) {
        return new ForwardingStateStore(real) {
            private <T> CompletableFuture<T> write(java.util.function.Supplier<CompletableFuture<T>> w) {
                return fails(storeWrites, storeFailsFrom) ? diskFull() : w.get();
            }

            @Override
            public CompletableFuture<Void> revoke(String jti, Instant exp) {
                return write(() -> real.revoke(jti, exp));
            }

            @Override
            public CompletableFuture<Void> setFrozen(String environment, boolean frozen) {
                return write(() -> real.setFrozen(environment, frozen));
            }

            @Override
            public CompletableFuture<Void> putAgentSecretHash(String agentId, String sha256Hex) {
                return write(() -> real.putAgentSecretHash(agentId, sha256Hex));
            }

            @Override
            public CompletableFuture<Boolean> recordAssertion(String clientId, String jti, Instant exp) {
                return write(() -> real.recordAssertion(clientId, jti, exp));
            }

            @Override
            public CompletableFuture<Boolean> saveGrant(Grant next) {
                return write(() -> real.saveGrant(next));
            }

            @Override
            public CompletableFuture<Boolean> saveOpsAccount(OpsAccount next) {
                return write(() -> real.saveOpsAccount(next));
            }
        };
    }
}
