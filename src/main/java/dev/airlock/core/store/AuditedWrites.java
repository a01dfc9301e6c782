package dev.airlock.core.store;

import dev.airlock.core.audit.AuditEvent;
import java.util.concurrent.CompletableFuture;

/**
 * The one write path of a state change that must be on the record (revocation, freeze, agent secret, grant
 * transition, ops account change, forgetting grants): the change and its audit event take effect together or the
 * caller is told they did not. Raw writes of {@link StateStore} are for the stores themselves and for tests
 * ({@code ArchitectureTest} holds production code to this).
 *
 * <p>The contract, for every implementation:
 * <ul>
 *   <li>completes with the change's value once the change and its event are durable;</li>
 *   <li>a compare-and-set save that lost completes {@code false}: the record was not written, the store has already
 *       re-read the winner (so a retry decides on it), and the log does not hold the event as done: it is absent
 *       (a transactional store rolled it back) or followed by {@code change.not_done} (the file store, which writes
 *       the event first);</li>
 *   <li>any other failure fails with {@link dev.airlock.core.audit.AuditedChange.NotDone}, whose cause is the
 *       underlying error (a {@code StorageUnavailable} for a storage fault, so the HTTP layer answers 503); nothing
 *       took effect.</li>
 * </ul>
 */
public interface AuditedWrites {
    <T> CompletableFuture<T> apply(AuditEvent event, StateChange<T> change);

    /**
     * Whether the events go through the {@code AuditSink} given to {@link StateStore#audited} (the file store writes
     * the event there first), rather than into the store's own log inside the change's transaction (PostgreSQL).
     * Whoever observes that sink (the metrics' decision counter) sees the latter only through this path.
     */
    default boolean eventsThroughSink() {
        return true;
    }
}
