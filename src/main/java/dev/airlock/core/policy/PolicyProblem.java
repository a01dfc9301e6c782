package dev.airlock.core.policy;

import java.util.Objects;

/**
 * One thing wrong with a policy folder, located well enough to fix without searching.
 *
 * @param file    file name relative to the policy folder ({@code agents.yaml}), or the folder itself
 * @param line    1-based line, or 0 when the problem has no line (a missing file)
 * @param path    field path inside the file, e.g. {@code agents[1].environments.staging.scopes[2]}
 *                (list indexes are 0-based); empty for the whole file
 * @param message what is wrong and, where it is not obvious, what to do instead
 */
public record PolicyProblem(String file, int line, String path, String message) {
    public PolicyProblem {
        Objects.requireNonNull(file);
        Objects.requireNonNull(message);
        path = path == null ? "" : path;
    }

    /** {@code file:line: path: message}, the form editors and CI logs turn into links. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(file);
        if (line > 0) s.append(':').append(line);
        s.append(": ");
        if (!path.isEmpty()) s.append(path).append(": ");
        return s.append(message).toString();
    }
}
