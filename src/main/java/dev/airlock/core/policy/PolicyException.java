package dev.airlock.core.policy;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A policy folder that cannot be used. Carries every problem found, not just the first, so one lint run
 * shows everything to fix.
 */
public final class PolicyException extends Exception {
    public enum Kind {
        /** A file is missing, unreadable, or not YAML: we could not even look at the policy ({@code lint} exits 2). */
        UNREADABLE,
        /** The files parse but say something wrong or dangerous ({@code lint} exits 1). */
        INVALID
    }

    private final Kind kind;
    private final List<PolicyProblem> problems;

    public PolicyException(Kind kind, List<PolicyProblem> problems) {
        super(message(kind, problems));
        if (problems.isEmpty()) throw new IllegalArgumentException("a PolicyException needs at least one problem");
        this.kind = kind;
        this.problems = List.copyOf(problems);
    }

    public Kind kind() {
        return kind;
    }

    public boolean unreadable() {
        return kind == Kind.UNREADABLE;
    }

    public List<PolicyProblem> problems() {
        return problems;
    }

    private static String message(Kind kind, List<PolicyProblem> problems) {
        String head = (kind == Kind.UNREADABLE ? "policy is unreadable" : "policy is invalid")
                + " (" + problems.size() + (problems.size() == 1 ? " problem" : " problems") + "):\n";
        return head + problems.stream().map(PolicyProblem::toString).collect(Collectors.joining("\n"));
    }
}
