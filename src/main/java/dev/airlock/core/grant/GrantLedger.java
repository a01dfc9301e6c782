package dev.airlock.core.grant;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.policy.GrantLimits;
import dev.airlock.core.store.StateStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Every grant transition goes through here, in one order: compare-and-set save (durable), then the audit event
 * (durable), then the notification (fire and forget). A caller answers its client only after the returned future.
 */
final class GrantLedger {
    private final StateStore store;
    private final AuditSink audit;
    private final GrantNotifier notifier;
    private final Clock clock;

    GrantLedger(StateStore store, AuditSink audit, GrantNotifier notifier, Clock clock) {
        this.store = store;
        this.audit = audit;
        this.notifier = notifier;
        this.clock = clock;
    }

    Instant now() {
        return clock.instant();
    }

    /** Completes true once saved, audited and notified; false when another writer changed the grant first. */
    CompletableFuture<Boolean> record(Grant next, String eventType, String actor, AuditEvent.Builder fields) {
        return store.saveGrant(next).thenCompose(saved -> {
            if (!saved) return CompletableFuture.completedFuture(false);
            AuditEvent e = fields.with("grant_id", next.id()).with("agent", next.agentId()).with("env", next.environment())
                    .with("status", next.status().label()).with("by", actor).build();
            return audit.append(e).thenApply(v -> {
                notifier.notify(new GrantEvent(notification(eventType), next, actor, now()));
                return true;
            });
        });
    }

    /**
     * The notification vocabulary ({@code Webhook.EVENTS}) for an audit event type: the audit log says a grant was
     * {@code grant.requested}, people are told it was {@code created}. Others keep their name after {@code grant.}.
     */
    static String notification(String auditType) {
        String type = auditType.substring("grant.".length());
        return type.equals("requested") ? "created" : type;
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
        Grant old = g.get();
        Grant expired = old.next(GrantStatus.EXPIRED, old.approvals(), old.decidedBy(), old.denyReason(), now(), null, 0, null);
        return record(expired, "grant.expired", "airlock", AuditEvent.of("grant.expired"))
                .thenApply(saved -> store.grant(id));
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
        return audit.append(e).thenApply(v -> {
            store.forgetGrants(plan.ids());
            return plan.ids().size();
        });
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
