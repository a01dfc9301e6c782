package dev.airlock.cli;

import dev.airlock.core.policy.LintReport;
import dev.airlock.core.policy.PolicyLinter;
import dev.airlock.core.policy.PolicyProblem;
import java.io.PrintWriter;
import java.nio.file.Path;
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
                "Check a policy folder: every file valid, no agent able to reach a destructive scope without a human grant,"
                        + " no resource owned by two environments.",
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
        err.flush();
        out.flush();
        return report.exitCode();
    }

    /** Findings name files inside the policy folder; prefixing the folder makes them clickable from where lint ran. */
    private LintReport.Finding relativeToWorkingDirectory(LintReport.Finding f) {
        PolicyProblem p = f.problem();
        if (p.file().equals(policy.toString())) return f;
        return new LintReport.Finding(f.severity(),
                new PolicyProblem(policy.resolve(p.file()).toString(), p.line(), p.path(), p.message()));
    }
}
