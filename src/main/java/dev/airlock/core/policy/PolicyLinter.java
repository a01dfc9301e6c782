package dev.airlock.core.policy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The static version of Airlock's isolation check, for CI. After loading, it re-proves the two properties
 * the product promises, computing them from the {@link Policy} value rather than trusting the loader that
 * built it: an agent can reach a destructive or grant-only scope only through a human grant, and no resource
 * belongs to two environments. A loader bug therefore shows up here as a violation instead of shipping.
 */
public final class PolicyLinter {
    private PolicyLinter() {}

    public static LintReport lint(Path dir) {
        PolicyLoader.Loaded loaded;
        try {
            loaded = PolicyLoader.loadLocated(dir);
        } catch (PolicyException e) {
            List<LintReport.Finding> findings = e.problems().stream()
                    .map(p -> new LintReport.Finding(LintReport.Severity.VIOLATION, p)).toList();
            String state = e.unreadable() ? "policy UNREADABLE: " : "policy INVALID: ";
            return new LintReport(e.unreadable(), findings, List.of(state + count(findings.size(), "problem")));
        }
        return check(loaded.policy(), loaded.where());
    }

    /** Checks a policy built in code (no source positions: findings name file and path, line 0). */
    public static LintReport check(Policy policy) {
        return check(policy, new SourceMap());
    }

    private static LintReport check(Policy policy, SourceMap where) {
        List<LintReport.Finding> findings = new ArrayList<>();
        List<String> summary = new ArrayList<>();
        checkAgents(policy, where, findings, summary);
        int patterns = checkEnvironments(policy, where, findings);
        checkApprovers(policy, where, findings);
        for (Environment env : policy.environments()) {
            // Said only where grants.yaml asks for more than the default, so that the reviewer of a policy change sees it.
            GrantRules rules = policy.grantRules(env.name());
            if (rules.destructiveFactor() != GrantRules.DEFAULT_FACTOR || rules.otherFactor() != GrantRules.DEFAULT_FACTOR) {
                summary.add("approvals in " + env.name() + ": destructive grants by " + rules.destructiveFactor().label()
                        + ", other grants by " + rules.otherFactor().label());
            }
        }
        long violations = findings.stream().filter(f -> f.severity() == LintReport.Severity.VIOLATION).count();
        if (violations > 0) {
            summary.add("policy INVALID: " + count((int) violations, "violation"));
        } else {
            summary.add("no resource is owned by two environments (" + count(patterns, "resource pattern") + " compared pairwise)");
            long destructive = policy.scopes().stream().filter(Scope::destructive).count();
            long byWord = policy.scopes().stream().filter(s -> s.destructiveWord().isPresent()).count();
            summary.add("policy OK: " + count(policy.environments().size(), "environment") + ", "
                    + count(policy.scopes().size(), "scope") + " (" + destructive + " destructive, " + byWord
                    + " of them by a built-in destructive word in the verb), " + count(policy.agents().size(), "agent")
                    + "; no agent can reach a destructive scope without a human grant");
        }
        return new LintReport(false, findings, summary);
    }

    private static void checkAgents(Policy policy, SourceMap where, List<LintReport.Finding> findings, List<String> summary) {
        for (Agent agent : policy.agents()) {
            for (String env : inPolicyOrder(policy, agent)) {
                AgentGrants grants = agent.environments().get(env);
                SourceMap.Location at = where.get(SourceMap.agentEnvironment(agent.id(), env),
                        AgentsSection.FILE, "agents[" + agent.id() + "].environments." + env);
                if (policy.environment(env).isEmpty()) {
                    findings.add(violation(at, "agent '" + agent.id() + "' names unknown environment '" + env + "'"));
                    continue;
                }
                Set<String> automatic = new TreeSet<>(grants.scopes());
                automatic.addAll(grants.defaultScopes());
                for (String name : automatic) {
                    Optional<Scope> scope = policy.scope(name);
                    if (scope.isEmpty()) {
                        findings.add(violation(at, "agent '" + agent.id() + "' may get unknown scope '" + name + "'"));
                    } else if (!scope.get().automatic()) {
                        findings.add(violation(at, "agent '" + agent.id() + "' can get " + reason(scope.get()) + " scope '"
                                + name + "' in " + env + " without a human grant" + word(scope.get())));
                    }
                }
                for (String name : grants.defaultScopes()) {
                    if (!grants.scopes().contains(name)) {
                        findings.add(violation(at, "default scope '" + name + "' is not in scopes"));
                    }
                }
                for (String name : new TreeSet<>(grants.grantable())) {
                    if (policy.scope(name).isEmpty()) {
                        findings.add(violation(at, "agent '" + agent.id() + "' may ask for unknown scope '" + name + "'"));
                    }
                }
                summary.add(agent.id() + " in " + env + ": automatic: " + list(grants.scopes())
                        + "; only through a human grant: " + list(grants.grantable()));
            }
        }
        // RFC 7662 §4: who may ask about tokens is authorization too, so lint says who can.
        List<String> introspectors = new ArrayList<>();
        for (Agent agent : policy.agents()) {
            if (agent.introspect().isEmpty()) continue;
            List<String> envs = new ArrayList<>();
            for (Environment e : policy.environments()) if (agent.introspects(e.name())) envs.add(e.name());
            introspectors.add(agent.id() + " (" + String.join(", ", envs) + ")");
        }
        summary.add(introspectors.isEmpty()
                ? "introspection: no client may introspect tokens (name resource servers with introspect: in agents.yaml)"
                : "introspection: only " + String.join("; ", introspectors) + " may introspect tokens, of those"
                + " environments");
    }

    /** The agent's environments in the order the policy declares them, then any the policy does not know. */
    private static List<String> inPolicyOrder(Policy policy, Agent agent) {
        List<String> out = new ArrayList<>();
        for (Environment e : policy.environments()) {
            if (agent.environments().containsKey(e.name())) out.add(e.name());
        }
        for (String name : new TreeSet<>(agent.environments().keySet())) {
            if (!out.contains(name)) out.add(name);
        }
        return out;
    }

    /** Returns how many resource patterns were compared. */
    private static int checkEnvironments(Policy policy, SourceMap where, List<LintReport.Finding> findings) {
        List<Environment> envs = List.copyOf(policy.environments());
        int patterns = 0;
        for (int i = 0; i < envs.size(); i++) {
            Environment a = envs.get(i);
            SourceMap.Location at = where.get(SourceMap.environment(a.name()), EnvironmentsSection.FILE, "environments[" + a.name() + "]");
            patterns += a.resources().size();
            if (a.tokenLifetime().isZero() || a.tokenLifetime().isNegative()
                    || a.tokenLifetime().compareTo(Policy.MAX_TOKEN_LIFETIME) > 0) {
                findings.add(violation(at, "token lifetime " + a.tokenLifetime() + " is outside (0, " + Policy.MAX_TOKEN_LIFETIME + "]"));
            }
            if (a.resources().isEmpty()) {
                findings.add(new LintReport.Finding(LintReport.Severity.WARNING, problem(at,
                        "environment '" + a.name() + "' owns no resources: no resource check can succeed in it")));
            }
            for (int j = i + 1; j < envs.size(); j++) {
                Environment b = envs.get(j);
                for (ResourcePattern ra : a.resources()) {
                    for (ResourcePattern rb : b.resources()) {
                        if (!Glob.intersects(ra.pattern(), rb.pattern())) continue;
                        SourceMap.Location rbAt = where.get(SourceMap.resource(b.name(), rb.pattern()),
                                EnvironmentsSection.FILE, "environments[" + b.name() + "].resources");
                        findings.add(violation(rbAt, "resource '" + rb.pattern() + "' of environment '" + b.name()
                                + "' overlaps '" + ra.pattern() + "' of environment '" + a.name() + "'"));
                    }
                }
            }
        }
        return patterns;
    }

    /**
     * A grant in an environment without approver groups can be requested but never approved. That is safe (it
     * fails closed) but almost certainly not what the author meant, so it is a warning, once per environment.
     */
    private static void checkApprovers(Policy policy, SourceMap where, List<LintReport.Finding> findings) {
        for (Environment env : policy.environments()) {
            if (policy.grantRules(env.name()).approvable()) continue;
            List<String> askers = new ArrayList<>();
            Set<String> scopes = new TreeSet<>();
            for (Agent agent : policy.agents()) {
                AgentGrants grants = agent.environments().get(env.name());
                if (grants == null || grants.grantable().isEmpty()) continue;
                askers.add(agent.id());
                scopes.addAll(grants.grantable());
            }
            if (askers.isEmpty()) continue;
            SourceMap.Location at = where.get(SourceMap.environment(env.name()), EnvironmentsSection.FILE,
                    "environments[" + env.name() + "]");
            findings.add(new LintReport.Finding(LintReport.Severity.WARNING, problem(at, "environment '" + env.name()
                    + "' has no approver groups in " + GrantsSection.FILE + ", but " + String.join(", ", askers)
                    + (askers.size() == 1 ? " has" : " have") + " grantable scopes there (" + String.join(", ", scopes)
                    + "): those grants can be requested but never approved")));
        }
    }

    private static String reason(Scope s) {
        return s.destructive() ? "destructive" : "grant_required";
    }

    /** What made a scope destructive when it was its verb, so the author sees the word and not only the verdict. */
    private static String word(Scope s) {
        return s.destructiveWord().map(w -> " (its verb contains the built-in destructive word '" + w + "')").orElse("");
    }

    private static LintReport.Finding violation(SourceMap.Location at, String message) {
        return new LintReport.Finding(LintReport.Severity.VIOLATION, problem(at, message));
    }

    private static PolicyProblem problem(SourceMap.Location at, String message) {
        return new PolicyProblem(at.file(), at.line(), at.path(), message);
    }

    private static String list(Set<String> names) {
        return names.isEmpty() ? "(none)" : String.join(", ", new TreeSet<>(names));
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
