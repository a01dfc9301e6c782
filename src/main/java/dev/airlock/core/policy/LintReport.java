package dev.airlock.core.policy;

import java.util.List;

/**
 * What {@code airlock lint} found: findings to fix (with locations) and summary lines stating what was proved.
 *
 * @param unreadable true if the policy could not be read at all (a file missing, not YAML)
 */
public record LintReport(boolean unreadable, List<Finding> findings, List<String> summary) {
    /** Exit codes, so CI can tell "your policy is wrong" from "we could not read your policy". */
    public static final int EXIT_CLEAN = 0;
    public static final int EXIT_VIOLATIONS = 1;
    public static final int EXIT_UNREADABLE = 2;

    public enum Severity {
        /** Fails the lint. */
        VIOLATION,
        /** Worth a look, but not unsafe: the lint still passes. */
        WARNING
    }

    public record Finding(Severity severity, PolicyProblem problem) {
        /** {@code file:line: path: message}, with {@code warning: } before the message for warnings. */
        @Override
        public String toString() {
            if (severity == Severity.VIOLATION) return problem.toString();
            return new PolicyProblem(problem.file(), problem.line(), problem.path(), "warning: " + problem.message()).toString();
        }
    }

    public LintReport {
        findings = List.copyOf(findings);
        summary = List.copyOf(summary);
    }

    public List<Finding> violations() {
        return findings.stream().filter(f -> f.severity() == Severity.VIOLATION).toList();
    }

    public List<Finding> warnings() {
        return findings.stream().filter(f -> f.severity() == Severity.WARNING).toList();
    }

    public int exitCode() {
        if (unreadable) return EXIT_UNREADABLE;
        return violations().isEmpty() ? EXIT_CLEAN : EXIT_VIOLATIONS;
    }
}
