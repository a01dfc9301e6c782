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

    /**
     * This problem with its file named from where the command ran ({@code scopes/agents.yaml}, not
     * {@code agents.yaml}), so that a click or a copy finds it: the form of every command that prints policy problems
     * ({@code lint}, {@code serve}, the CLI's others; issue 16: serve printed the bare name).
     */
    public PolicyProblem under(java.nio.file.Path folder) {
        if (file.equals(folder.toString())) return this;
        return new PolicyProblem(folder.resolve(file).toString(), line, path, message);
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
