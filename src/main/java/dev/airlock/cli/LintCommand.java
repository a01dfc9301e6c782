package dev.airlock.cli;

import dev.airlock.core.policy.LintReport;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyLinter;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.policy.PolicyProblem;
import dev.airlock.core.policy.Precondition;
import dev.airlock.core.proxy.Provider;
import dev.airlock.core.proxy.ProviderLint;
import dev.airlock.core.proxy.ProviderLoader;
import dev.airlock.core.proxy.Providers;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code airlock lint}: checks a policy folder before it reaches a server. Meant for CI, so the exit code is
 * the contract: 0 clean, 1 the policy is wrong or unsafe, 2 it could not be read.
 */
@Command(name = "lint", mixinStandardHelpOptions = true,
        description = {
                "Check a policy folder: every file valid (provider files in providers/ included), no agent able to reach a"
                        + " destructive scope without a human grant, no resource owned by two environments, every"
                        + " provider rule classified by its shape (a destructive operation maps only to a destructive"
                        + " scope).",
                "Exit codes: 0 clean, 1 violations, 2 unreadable (missing file, YAML syntax error)."})
public final class LintCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--policy", paramLabel = "DIR", defaultValue = "scopes",
            description = "Policy folder (default: ${DEFAULT-VALUE}).")
    Path policy;

    @Override
    public Integer call() {
        LintReport report = PolicyLinter.lint(policy);
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        for (LintReport.Finding f : report.findings()) err.println(relativeToWorkingDirectory(f));
        for (String line : report.summary()) out.println(line);
        int exit = report.exitCode();
        // Providers are read against the policy's scopes, so only a policy that loaded can have them checked.
        if (exit == LintReport.EXIT_CLEAN) exit = lintProviders(err, out);
        err.flush();
        out.flush();
        return exit;
    }

    /**
     * {@code <policy>/providers/}: the same loader the server uses, so a provider file that would stop the server
     * fails the lint, with every problem located; then {@link ProviderLint} classifies every loaded rule by its shape
     * again, and the summary says exactly what that proved. No folder, no providers, nothing printed.
     */
    private int lintProviders(PrintWriter err, PrintWriter out) {
        Path dir = policy.resolve("providers");
        try {
            Policy loaded = PolicyLoader.load(policy);
            // Without providers, a precondition still needs its provider: the loader says so, as the server would.
            if (!Files.exists(dir) && loaded.preconditions().isEmpty()) return LintReport.EXIT_CLEAN;
            Providers providers = ProviderLoader.load(dir, loaded);
            int exit = report(providers, ProviderLint.of(providers, loaded), err, out);
            if (exit == LintReport.EXIT_CLEAN) preconditions(loaded, out);
            return exit;
        } catch (PolicyException e) {
            for (PolicyProblem p : e.problems()) {
                err.println(relativeToWorkingDirectory(new LintReport.Finding(LintReport.Severity.VIOLATION, p)));
            }
            out.println("providers " + (e.unreadable() ? "UNREADABLE" : "INVALID") + ": "
                    + count(e.problems().size(), "problem"));
            return e.unreadable() ? LintReport.EXIT_UNREADABLE : LintReport.EXIT_VIOLATIONS;
        }
    }

    /**
     * What {@link ProviderLint} derived, or the violations it found instead (unreachable through files today, since
     * the loader refuses them first: the re-derivation is what catches a loader that stops doing so).
     */
    int report(Providers providers, ProviderLint lint, PrintWriter err, PrintWriter out) {
        if (!lint.violations().isEmpty()) {
            for (PolicyProblem p : lint.violations()) {
                err.println(relativeToWorkingDirectory(new LintReport.Finding(LintReport.Severity.VIOLATION, p)));
            }
            out.println("providers INVALID: " + count(lint.violations().size(), "problem"));
            return LintReport.EXIT_VIOLATIONS;
        }
        List<String> names = new ArrayList<>();
        for (Provider p : providers.all()) names.add(p.name() + " (" + p.kind().keyword() + ")");
        for (ProviderLint.AccountLevel a : lint.accountLevel()) {
            out.println("account-level action (resources: none): " + a);
        }
        out.println("provider rules: " + lint.rules() + " classified by shape; " + lint.destructive()
                + " destructive by shape, all mapped to destructive scopes; every state-changing rule names its"
                + " resources or declares resources: none (" + count(lint.accountLevel().size(), "account-level action") + ")");
        out.println("providers OK: " + (names.isEmpty() ? "none" : String.join(", ", names))
                + "; every rule names a known scope, no credential is written in a provider file");
        return LintReport.EXIT_CLEAN;
    }

    /**
     * grants.yaml's preconditions, each with what the loader derived: its request maps through the provider's rules to
     * scopes that only read, about the guarded resource alone.
     */
    private static void preconditions(Policy loaded, PrintWriter out) {
        for (Precondition p : loaded.preconditions()) {
            Precondition.Expect e = p.expect();
            out.println("precondition " + p.describe() + " (" + (p.environments().isEmpty() ? "every environment"
                    : String.join(", ", p.environments())) + "): an item of " + e.list() + " with " + e.matchField()
                    + " = " + e.matchEquals() + (e.outsideField() == null ? "" : ", " + e.outsideField() + " != "
                    + e.outsideNotEquals()) + ", " + e.createdAt() + " younger than " + Precondition.text(e.youngerThan())
                    + "; the request maps to scopes that only read");
        }
        if (!loaded.preconditions().isEmpty()) {
            out.println("preconditions OK: " + count(loaded.preconditions().size(), "precondition") + ", evaluated by"
                    + " Airlock before every approval and redemption of a grant they guard; one that cannot be"
                    + " evaluated counts as failed");
        }
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /**
     * A policy that does not load, as every command but lint reports it: one head line, then each problem as lint
     * prints it ({@link PolicyProblem#under}), so the two outputs on the same broken folder have the same lines.
     */
    static String invalid(Path policy, PolicyException e, String prefix) {
        StringBuilder s = new StringBuilder(prefix).append("policy ").append(policy).append(" is ")
                .append(e.unreadable() ? "unreadable" : "not valid").append(" (").append(count(e.problems().size(),
                        "problem")).append("; 'airlock lint --policy ").append(policy).append("' says the same):");
        for (PolicyProblem p : e.problems()) s.append('\n').append(p.under(policy));
        return s.toString();
    }

    /** Findings name files inside the policy folder; prefixing the folder makes them clickable from where lint ran. */
    private LintReport.Finding relativeToWorkingDirectory(LintReport.Finding f) {
        return new LintReport.Finding(f.severity(), f.problem().under(policy));
    }
}
