package dev.airlock.core.proxy;

import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyProblem;
import dev.airlock.core.policy.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code airlock lint} proves about loaded providers, derived again from the loaded rules rather than trusted to
 * the loader that built them (as {@code PolicyLinter} does for the policy): every rule is classified by its shape,
 * every destructive shape maps to a destructive scope, every state-changing rule says where its resources come from,
 * and the account-level actions ({@code resources: none}) are listed for people to read.
 *
 * @param violations   problems found (a loader bug, or providers built in code); lint fails on any
 * @param rules        how many rules were classified
 * @param destructive  how many are destructive by their shape
 * @param accountLevel the {@code resources: none} rules, in provider and file order
 */
public record ProviderLint(List<PolicyProblem> violations, int rules, int destructive, List<AccountLevel> accountLevel) {
    /** A rule that acts on no particular resource, and why its author says so. */
    public record AccountLevel(String provider, String operation, String scope, String reason) {
        @Override
        public String toString() {
            return provider + " " + operation + " -> " + scope + ": " + reason;
        }
    }

    public ProviderLint {
        violations = List.copyOf(violations);
        accountLevel = List.copyOf(accountLevel);
    }

    public static ProviderLint of(Providers providers, Policy policy) {
        List<PolicyProblem> violations = new ArrayList<>();
        List<AccountLevel> accountLevel = new ArrayList<>();
        int rules = 0;
        int destructive = 0;
        for (Provider p : providers.all()) {
            List<? extends ProviderRule> list = switch (p.kind()) {
                case REST -> ((RestMapper) p.mapper()).rules();
                case GRAPHQL -> ((GraphQlMapper) p.mapper()).rules();
                case MCP -> ((McpMapper) p.mapper()).rules();
            };
            String file = "providers/" + p.name() + ".yaml";
            String section = p.kind() == Provider.Kind.MCP ? "tools" : "rules";
            for (int i = 0; i < list.size(); i++) {
                ProviderRule rule = list.get(i);
                OperationShape shape = rule.shape();
                rules++;
                if (shape.destructive()) destructive++;
                String path = section + "[" + i + "]";
                Optional<Scope> scope = policy.scope(rule.scope());
                if (scope.isEmpty()) {
                    violations.add(new PolicyProblem(file, 0, path, shape.operation() + " names unknown scope '"
                            + rule.scope() + "'"));
                    continue;
                }
                shape.scopeProblem(scope.get()).ifPresent(m -> violations.add(new PolicyProblem(file, 0, path, m)));
                shape.resourcesProblem(scope.get(), rule.resourcesDeclared())
                        .ifPresent(m -> violations.add(new PolicyProblem(file, 0, path, m)));
                if (rule.accountLevelReason() != null) {
                    accountLevel.add(new AccountLevel(p.name(), shape.operation(), rule.scope(), rule.accountLevelReason()));
                }
            }
        }
        return new ProviderLint(violations, rules, destructive, accountLevel);
    }
}
