package dev.airlock.core.audit;

import dev.airlock.core.store.AuditedWrites;
import dev.airlock.core.store.StateChange;
import dev.airlock.core.store.StateStore;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * The one write path of an administrative state change (revocation, freeze, agent secret, ops account change): its
 * audit event is written first, as the record of the decision, and only then the state. So no change takes effect
 * without its event (issue 13, finding 1: with the audit log's disk full, {@code agent add} replaced the secret
 * hash, exited 1 and left no event).
 *
 * <p>If the event cannot be written, nothing is changed and the caller is told so. If the state write fails after
 * the event, a second event, {@value #NOT_DONE}, names the change and the error (best effort: the audit log may be
 * failing too), and the caller is told the change was not done. The two files therefore agree in every case but one:
 * the state write failed and so did the second event; then the log holds a decision that did not take effect, never
 * the reverse, and the caller's message says so.
 *
 * <p>As an {@link AuditedWrites} (the file store's, and any store's that cannot commit an event with its change), a
 * compare-and-set save that lost is followed by {@value #NOT_DONE} and completes {@code false}, as the contract says.
 */
public final class AuditedChange implements AuditedWrites {
    /** The event that says an earlier decision event did not take effect. */
    public static final String NOT_DONE = "change.not_done";

    private final AuditSink audit;
    private final StateStore store;

    /** Audited writes to {@code store}, each event written to {@code audit} first. */
    public AuditedChange(AuditSink audit, StateStore store) {
        this.audit = audit;
        this.store = store;
    }

    @Override
    public <T> CompletableFuture<T> apply(AuditEvent event, StateChange<T> change) {
        return cast(change.match(new StateChange.Cases<CompletableFuture<?>>() {
            @Override
            public CompletableFuture<?> revoke(StateChange.Revoke r) {
                return AuditedChange.apply(audit, event, () -> store.revoke(r.jti(), r.expiresAt()));
            }

            @Override
            public CompletableFuture<?> freeze(StateChange.Freeze f) {
                return AuditedChange.apply(audit, event, () -> store.setFrozen(f.environment(), f.frozen()));
            }

            @Override
            public CompletableFuture<?> agentSecret(StateChange.AgentSecret s) {
                return AuditedChange.apply(audit, event, () -> store.putAgentSecretHash(s.agentId(), s.sha256Hex()));
            }

            @Override
            public CompletableFuture<?> agentDisabled(StateChange.AgentDisabled d) {
                return AuditedChange.apply(audit, event, () -> store.setAgentDisabled(d.agentId(), d.disabled()));
            }

            @Override
            public CompletableFuture<?> agentTokensVoid(StateChange.AgentTokensVoid v) {
                return AuditedChange.apply(audit, event, () -> store.voidAgentTokens(v.agentId(), v.notBefore()));
            }

            @Override
            public CompletableFuture<?> saveGrant(StateChange.SaveGrant g) {
                return saved(event, () -> store.saveGrant(g.grant()));
            }

            @Override
            public CompletableFuture<?> saveOpsAccount(StateChange.SaveOpsAccount o) {
                return saved(event, () -> store.saveOpsAccount(o.account()));
            }

            @Override
            public CompletableFuture<?> forgetGrants(StateChange.ForgetGrants f) {
                return AuditedChange.apply(audit, event, () -> {
                    store.forgetGrants(f.ids());
                    return CompletableFuture.<Void>completedFuture(null);
                });
            }
        }));
    }

    @SuppressWarnings("unchecked")
    private static <T> CompletableFuture<T> cast(CompletableFuture<?> future) {
        return (CompletableFuture<T>) future;
    }

    /** A lost race: the event is on the record, so {@value #NOT_DONE} follows it; then {@code false}. */
    private CompletableFuture<Boolean> saved(AuditEvent event, Supplier<CompletableFuture<Boolean>> save) {
        return apply(audit, event, save).thenCompose(won -> won
                ? CompletableFuture.completedFuture(true)
                : notDone(audit, event, new IllegalStateException("lost a race: the record changed since it was read"))
                        .handle((v, failure) -> {
                            if (failure == null) return false;
                            throw new NotDone("lost a race; not done: the audit log records the attempt ("
                                    + event.type() + ") and could not record that it did not take effect: "
                                    + describe(unwrap(failure)), unwrap(failure));
                        }));
    }

    /** The change did not take effect; the message says what the audit log holds about it. */
    public static final class NotDone extends RuntimeException {
        public NotDone(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Writes {@code decision}, then runs {@code change}. Fails with {@link NotDone} if either fails; the change's own
     * failure (a lost race, an unknown name) is kept as the cause and its message leads.
     */
    public static <T> CompletableFuture<T> apply(AuditSink audit, AuditEvent decision,
                                                 Supplier<CompletableFuture<T>> change) {
        CompletableFuture<T> out = new CompletableFuture<>();
        audit.append(decision).whenComplete((recorded, auditFailure) -> {
            if (auditFailure != null) {
                Throwable cause = unwrap(auditFailure);
                out.completeExceptionally(new NotDone("not done: the audit log could not be written ("
                        + describe(cause) + "); nothing was changed", cause));
                return;
            }
            CompletableFuture<T> changed;
            try {
                changed = change.get();
            } catch (RuntimeException e) {
                changed = CompletableFuture.failedFuture(e);
            }
            changed.whenComplete((value, changeFailure) -> {
                if (changeFailure == null) {
                    out.complete(value);
                    return;
                }
                Throwable cause = unwrap(changeFailure);
                notDone(audit, decision, cause).whenComplete((v, secondFailure) -> out.completeExceptionally(
                        new NotDone(describe(cause) + "; not done: the audit log records the attempt ("
                                + decision.type() + ") and " + (secondFailure == null
                                ? "that it did not take effect (" + NOT_DONE + ")"
                                : "could not record that it did not take effect: " + describe(unwrap(secondFailure))),
                                cause)));
            });
        });
        return out;
    }

    private static CompletableFuture<Void> notDone(AuditSink audit, AuditEvent decision, Throwable cause) {
        AuditEvent.Builder e = AuditEvent.of(NOT_DONE).with("change", decision.type());
        for (Map.Entry<String, Object> f : decision.fields().entrySet()) {
            if (!f.getKey().equals("change") && !f.getKey().equals("error")) e.with(f.getKey(), f.getValue());
        }
        try {
            return audit.append(e.with("error", describe(cause)).build());
        } catch (RuntimeException thrown) {
            return CompletableFuture.failedFuture(thrown);
        }
    }

    /** The exception's own message (an I/O error says "No space left on device"), or its type when it has none. */
    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
