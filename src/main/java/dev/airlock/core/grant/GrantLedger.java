package dev.airlock.core.grant;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.policy.GrantLimits;
import dev.airlock.core.store.KeyedTurns;
import dev.airlock.core.store.AuditedWrites;
import dev.airlock.core.store.StateChange;
import dev.airlock.core.store.StateStore;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The one write path of grants (issue 13, finding 1: an approved one-shot grant was saved as redeemed, its audit event
 * failed, the agent got a 500 and never the token). {@link #apply} writes a {@link GrantTransition} in one order: the
 * audit event first, as the record of the decision, then the grant's compare-and-set save, then the notification (fire
 * and forget), through the store's {@link AuditedWrites} as the admin commands do (one transaction with PostgreSQL).
 * So no grant changes without its event: if the event cannot be written nothing changes; with the file store, if the
 * save fails or loses after it, {@code change.not_done} says so (best effort).
 * A caller answers its client only after the returned future.
 */
final class GrantLedger {
    /**
     * Saves lost to another writer before a transition is refused as contended. Each lost save leaves its decision and
     * a {@code change.not_done} in the log, so the bound also bounds what one transition can write there.
     */
    static final int MAX_ATTEMPTS = 3;

    /**
     * What a transition writes: the next version, and the fields of its audit event beyond the common ones (the event's
     * type is the transition's own, so a step cannot record one move as another).
     */
    record Step(Grant next, Map<String, Object> fields) {
        Step {
            fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }

        static Step to(Grant next) {
            return new Step(next, Map.of());
        }

        /** This step with one more event field; null values are left out, as {@link AuditEvent.Builder} does. */
        Step with(String key, Object value) {
            Map<String, Object> more = new LinkedHashMap<>(fields);
            if (value != null) more.put(key, value);
            return new Step(next, more);
        }
    }

    /**
     * How a transition ended. {@code APPLIED}: written, {@code grant} is the new version. {@code REFUSED}: the grant
     * as it stands (null: there is none) is not a legal start, or the caller's rules refused it; nothing was written.
     * {@code CONTENDED}: {@value #MAX_ATTEMPTS} saves were lost to other writers; {@code grant} is the latest seen.
     */
    enum Kind { APPLIED, REFUSED, CONTENDED }

    record Result(Kind kind, Grant grant) {}

    /** The computation of a transition's next version from the grant as it stands; empty if the caller's rules refuse. */
    @FunctionalInterface
    interface Stepper {
        Optional<Step> step(Grant current);
    }

    private final StateStore store;
    private final AuditSink audit;
    private final AuditedWrites writes;
    private final GrantNotifier notifier;
    private final Clock clock;
    /** One transition of a grant at a time in this process. */
    private final KeyedTurns turns = new KeyedTurns();

    GrantLedger(StateStore store, AuditSink audit, GrantNotifier notifier, Clock clock) {
        this.store = store;
        this.audit = audit;
        this.writes = store.audited(audit);
        this.notifier = notifier;
        this.clock = clock;
    }

    Instant now() {
        return clock.instant();
    }

    /**
     * Applies {@code move} to grant {@code id} as it stands in the store, re-reading and re-stepping after a save lost
     * to another writer, at most {@value #MAX_ATTEMPTS} times. Fails (with the audit log's or the store's error in the
     * cause chain, so storage faults answer 503) when the event or the save cannot be written; nothing changed then.
     */
    CompletableFuture<Result> apply(GrantTransition move, String id, String actor, Stepper stepper) {
        // One transition of a grant at a time in this process: two approvers or two polls racing here are decided in
        // turn, the second on the first's result, so neither writes a decision that cannot take effect. Only a writer
        // in another process can still win a compare-and-set, and then the log says so (change.not_done).
        return turns.run(id, () -> attempt(move, id, actor, stepper, 1));
    }

    private CompletableFuture<Result> attempt(GrantTransition move, String id, String actor, Stepper stepper, int n) {
        Grant current = store.grant(id).orElse(null);
        if (!move.legalFrom(current, now())) return done(Kind.REFUSED, current);
        Step step = stepper.step(current).orElse(null);
        if (step == null) return done(Kind.REFUSED, current);
        Grant next = step.next();
        if (!next.id().equals(id) || !move.legalTo(current, next)) {
            throw new IllegalStateException(move + " cannot lead from " + (current == null ? "nothing" : current.status())
                    + " to " + next.status() + " (version " + next.version() + ") for grant " + id);
        }
        AuditEvent.Builder fields = AuditEvent.of(move.auditType());
        step.fields().forEach(fields::with);
        // Both identities on every grant event: the agent that acts and, for a delegated request, the user it acts for.
        AuditEvent event = fields.with("grant_id", next.id()).with("agent", next.agentId())
                .with("on_behalf_of", next.onBehalfOf() == null ? null : next.onBehalfOf().canonicalSubject())
                .with("env", next.environment()).with("status", next.status().label()).with("by", actor).build();
        CompletableFuture<Result> out = new CompletableFuture<>();
        writes.apply(event, new StateChange.SaveGrant(next)).whenComplete((saved, failure) -> {
            if (failure != null) {
                out.completeExceptionally(failure);
            } else if (saved) {
                notifier.notify(new GrantEvent(move.notification(), next, actor, now()));
                out.complete(new Result(Kind.APPLIED, next));
            } else if (n < MAX_ATTEMPTS) {
                // Lost to another writer; the store re-read the winner, so the next attempt decides on it.
                attempt(move, id, actor, stepper, n + 1).whenComplete((r, f) -> {
                    if (f == null) out.complete(r);
                    else out.completeExceptionally(f);
                });
            } else {
                out.complete(new Result(Kind.CONTENDED, store.grant(id).orElse(null)));
            }
        });
        return out;
    }

    private static CompletableFuture<Result> done(Kind kind, Grant g) {
        return CompletableFuture.completedFuture(new Result(kind, g));
    }

    CompletableFuture<Void> auditOnly(AuditEvent event) {
        return audit.append(event);
    }

    /**
     * The grant as it stands now. A pending or approved grant past its expiry is first written as expired (audited and
     * notified), so that what people see and what the log says agree.
     */
    CompletableFuture<Optional<Grant>> current(String id) {
        Optional<Grant> g = store.grant(id);
        if (g.isEmpty() || g.get().statusAt(now()) != GrantStatus.EXPIRED || g.get().status() == GrantStatus.EXPIRED) {
            return CompletableFuture.completedFuture(g);
        }
        return apply(GrantTransition.EXPIRE, id, "airlock", cur -> Optional.of(Step.to(cur.next(GrantStatus.EXPIRED,
                cur.approvals(), cur.decidedBy(), cur.denyReason(), now(), null, 0, null))))
                .thenApply(r -> store.grant(id));
    }

    /**
     * Forgets the oldest finished grants beyond the policy's caps, after one audit event that says how many, whose,
     * and from when (audited or not done: if the event cannot be written nothing is forgotten). Returns how many.
     */
    CompletableFuture<Integer> forgetBeyond(GrantLimits limits) {
        GrantRetention.Plan plan = GrantRetention.plan(store.grants(), limits, now());
        if (plan.isEmpty()) return CompletableFuture.completedFuture(0);
        StringBuilder agents = new StringBuilder();
        plan.perAgent().forEach((agent, n) -> agents.append(agents.isEmpty() ? "" : " ").append(agent).append('=').append(n));
        AuditEvent e = AuditEvent.of("grant.forgotten").with("count", plan.ids().size()).with("agents", agents.toString())
                .with("oldest_created", plan.oldest().toString()).with("newest_created", plan.newest().toString())
                .with("finished_per_agent", limits.finishedPerAgent()).with("finished_total", limits.finishedTotal())
                .with("by", "airlock").build();
        return writes.apply(e, new StateChange.ForgetGrants(plan.ids())).thenApply(v -> plan.ids().size());
    }

    /** Writes every grant that has expired but is not yet recorded so; returns how many. For a periodic sweep. */
    CompletableFuture<Integer> expireDue() {
        Instant now = now();
        List<Grant> due = store.grants().stream()
                .filter(g -> g.status() != GrantStatus.EXPIRED && g.statusAt(now) == GrantStatus.EXPIRED).toList();
        CompletableFuture<Integer> all = CompletableFuture.completedFuture(0);
        for (Grant g : due) {
            all = all.thenCompose(n -> current(g.id()).thenApply(x -> n + 1));
        }
        return all;
    }
}
