package dev.airlock.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A copy of a policy folder (the shipped {@code scopes/} by default, providers included) that a test changes by exact
 * text edits. Every edit must find its anchor exactly once, so a mutation that no longer applies (the shipped file
 * moved on) fails loudly instead of silently testing the unmutated policy.
 */
public final class PolicyCopy {
    public static final Path SHIPPED = Path.of("scopes");

    public final Path dir;

    private PolicyCopy(Path dir) {
        this.dir = dir;
    }

    /** A fresh copy of {@code scopes/} in a new temporary folder. */
    public static PolicyCopy ofShipped() {
        try {
            return ofShipped(Files.createTempDirectory("airlock-policy"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh copy of {@code scopes/} in a new folder under {@code parent}. */
    public static PolicyCopy ofShipped(Path parent) {
        try {
            Path dir = Files.createTempDirectory(parent, "policy");
            try (Stream<Path> files = Files.walk(SHIPPED)) {
                for (Path from : files.toList()) {
                    Path to = dir.resolve(SHIPPED.relativize(from).toString());
                    if (Files.isDirectory(from)) Files.createDirectories(to);
                    else Files.copy(from, to);
                }
            }
            return new PolicyCopy(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the one occurrence of {@code from} in {@code file} (relative to the folder) with {@code to}. */
    public PolicyCopy replace(String file, String from, String to) {
        String text = read(file);
        int at = text.indexOf(from);
        if (at < 0 || text.indexOf(from, at + 1) >= 0) {
            throw new IllegalStateException(file + " must contain exactly once: " + from);
        }
        return write(file, text.substring(0, at) + to + text.substring(at + from.length()));
    }

    /** Appends {@code text} to {@code file}, creating it if needed. */
    public PolicyCopy append(String file, String text) {
        return write(file, (Files.exists(dir.resolve(file)) ? read(file) : "") + text);
    }

    public String read(String file) {
        try {
            return Files.readString(dir.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private PolicyCopy write(String file, String text) {
        try {
            Files.writeString(dir.resolve(file), text);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The example, plus: coding-agent may ask for {@code variable:write} (grant_required, risk write) in production,
     * where {@code var-api-prod} is a variable.
     */
    public static PolicyCopy withProductionVariableWrite() {
        return ofShipped()
                .replace("agents.yaml", "grantable: [volume:delete, db:drop, service:delete]",
                        "grantable: [volume:delete, db:drop, service:delete, variable:write]")
                .replace("environments.yaml", "      - id: svc-api-prod\n        type: service\n",
                        "      - id: svc-api-prod\n        type: service\n      - id: var-api-prod\n        type: variable\n");
    }
}
