package dev.airlock.core.grant;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.policy.Environment;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.Precondition;
import dev.airlock.core.policy.ResourcePattern;
import dev.airlock.core.policy.Scope;
import dev.airlock.core.proxy.PreconditionRequests;
import dev.airlock.core.proxy.Provider;
import dev.airlock.core.proxy.Providers;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Evaluates the preconditions a grant is held to (issue 16): for each of its destructive scopes that a precondition
 * names, and each of its resources of that scope's type, Airlock sends the precondition's GET through the provider
 * with the provider's credential ({@link PreconditionProbe}) and reads the answer ({@link PreconditionJudge}).
 * Evaluated when a person views a grant, before each approval, and before the approved grant yields its token; never
 * trusted from an earlier evaluation, since a backup can be deleted between approval and redemption.
 *
 * <p>Fails closed: a provider that is not loaded, a request that no longer maps to a read-only scope, a probe that
 * times out or a body that cannot be read are failures, with their reason. Every evaluation is audited
 * ({@code grant.precondition}): the result, the item's id and age, or the reason; never the provider's answer.
 */
public final class PreconditionGate {
    /** Why Airlock looked: shown in the audit event. */
    public enum Occasion {
        VIEW, APPROVE, REDEEM;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Policy policy;
    private final Providers providers;
    private final PreconditionProbe probe;
    private final AuditSink audit;
    private final Clock clock;

    public PreconditionGate(Policy policy, Providers providers, PreconditionProbe probe, AuditSink audit, Clock clock) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.providers = Objects.requireNonNull(providers, "providers");
        this.probe = Objects.requireNonNull(probe, "probe");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Whether any precondition applies to {@code g}; when none does, nothing is evaluated or audited. */
    public boolean guards(Grant g) {
        return !applicable(g).isEmpty();
    }

    /**
     * Evaluates every precondition that applies to {@code g}, all at once, audits each result, then completes with the
     * report. Fails (as the audit log's write does) only if a result cannot be recorded: an evaluation that is not on
     * the record does not count, so neither an approval nor a token follows it.
     *
     * @param by who caused it: the person viewing or approving, or the agent redeeming
     */
    public CompletableFuture<PreconditionReport> evaluate(Grant g, Occasion occasion, String by) {
        List<Check> checks = applicable(g);
        if (checks.isEmpty()) return CompletableFuture.completedFuture(PreconditionReport.NONE);
        List<CompletableFuture<PreconditionResult>> pending = new ArrayList<>();
        for (Check c : checks) pending.add(one(c.precondition(), c.resource()));
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            List<PreconditionResult> results = pending.stream().map(CompletableFuture::join).toList();
            List<CompletableFuture<Void>> written = new ArrayList<>();
            for (PreconditionResult r : results) written.add(audit.append(event(g, occasion, by, r)));
            return CompletableFuture.allOf(written.toArray(CompletableFuture[]::new))
                    .thenApply(w -> new PreconditionReport(results));
        });
    }

    private record Check(Precondition precondition, String resource) {}

    private List<Check> applicable(Grant g) {
        List<Check> out = new ArrayList<>();
        for (String scope : g.scopes()) {
            List<Precondition> ps = policy.preconditionsFor(g.environment(), scope);
            if (ps.isEmpty()) continue;
            String type = policy.scope(scope).map(Scope::resourceType).orElse(null);
            for (Precondition p : ps) {
                for (String resource : g.resources()) {
                    if (ofType(g.environment(), resource, type)) out.add(new Check(p, resource));
                }
            }
        }
        return out;
    }

    /**
     * Whether {@code resource} is of {@code type} by its environment's resource list. One the list does not type (or
     * no longer lists) is checked anyway: a precondition skipped by mistake is the failure that matters.
     */
    private boolean ofType(String environment, String resource, String type) {
        Optional<Environment> env = policy.environment(environment);
        if (env.isEmpty() || type == null) return true;
        List<ResourcePattern> patterns = policy.patternsMatching(env.get(), resource);
        if (patterns.isEmpty()) return true;
        return patterns.stream().anyMatch(r -> r.type() == null || r.type().equals(type));
    }

    private CompletableFuture<PreconditionResult> one(Precondition p, String resource) {
        Provider provider = providers.get(p.provider()).orElse(null);
        if (provider == null) {
            return done(PreconditionResult.failed(p, resource, "provider " + p.provider() + " is not loaded"));
        }
        // Derived again with the real id: the provider file may have changed since the policy was checked at load,
        // and the id is now the grant's, not a sample.
        Optional<String> problem = PreconditionRequests.problem(p, provider, policy, resource);
        if (problem.isPresent()) return done(PreconditionResult.failed(p, resource, problem.get()));
        CompletableFuture<PreconditionProbe.Answer> answer;
        try {
            answer = probe.get(provider, PreconditionRequests.target(p, resource));
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((a, e) -> e == null ? PreconditionJudge.judge(p, resource, a, clock.instant())
                : PreconditionResult.failed(p, resource, reason(p, e)));
    }

    private static String reason(Precondition p, Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof PreconditionProbe.Failed f) return f.getMessage();
        // Not ours to explain in detail (the class only: a message may hold an address or worse).
        return "provider " + p.provider() + " could not be asked (" + t.getClass().getSimpleName() + ")";
    }

    private static AuditEvent event(Grant g, Occasion occasion, String by, PreconditionResult r) {
        return AuditEvent.of("grant.precondition").with("grant_id", g.id()).with("occasion", occasion.label())
                .with("by", by).with("scope", r.precondition().scope()).with("provider", r.precondition().provider())
                .with("resource", r.resource()).with("passed", r.passed()).with("item", r.item())
                .with("age_seconds", r.age() == null ? null : r.age().getSeconds()).with("reason", r.reason()).build();
    }

    private static CompletableFuture<PreconditionResult> done(PreconditionResult r) {
        return CompletableFuture.completedFuture(r);
    }
}
