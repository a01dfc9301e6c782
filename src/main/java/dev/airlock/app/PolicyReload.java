package dev.airlock.app;

import java.util.List;

/**
 * What a policy reload did. Refused: the running policy stays and {@code problems} say why (located: file, line,
 * field path, as {@code airlock lint} prints them).
 *
 * @param before the hash of the policy served before the reload
 * @param after  the hash served after it (equal to {@code before} when refused)
 */
public record PolicyReload(boolean reloaded, String before, String after, List<String> problems) {
    public PolicyReload {
        problems = List.copyOf(problems);
    }

    /** One line for an operator's terminal or the log, then the problems, one per line. */
    public String describe() {
        if (reloaded) {
            return before.equals(after) ? "policy reloaded, unchanged (" + after + ")"
                    : "policy reloaded: " + before + " -> " + after;
        }
        return "policy reload refused; still serving " + before + ":\n" + String.join("\n", problems);
    }
}
