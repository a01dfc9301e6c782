package dev.airlock.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The example policy ({@code scopes/}, its top-level files) copied to a temporary folder, to be changed for one test
 * by exact text edits that fail loudly when the example no longer reads as the test expects.
 */
public final class PolicyCopy {
    public final Path dir;

    private PolicyCopy(Path dir) {
        this.dir = dir;
    }

    public static PolicyCopy ofExample() throws IOException {
        Path dir = Files.createTempDirectory("airlock-policy");
        try (Stream<Path> files = Files.list(TestAirlock.EXAMPLE_POLICY)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        return new PolicyCopy(dir);
    }

    /** Replaces the one occurrence of {@code text} in {@code file}. */
    public PolicyCopy replace(String file, String text, String with) throws IOException {
        Path p = dir.resolve(file);
        String s = Files.readString(p, UTF_8);
        int at = s.indexOf(text);
        if (at < 0 || s.indexOf(text, at + 1) >= 0) {
            throw new AssertionError("expected exactly one '" + text + "' in the example's " + file);
        }
        Files.writeString(p, s.substring(0, at) + with + s.substring(at + text.length()), UTF_8);
        return this;
    }

    public PolicyCopy append(String file, String text) throws IOException {
        Files.writeString(dir.resolve(file), Files.readString(dir.resolve(file), UTF_8) + text, UTF_8);
        return this;
    }

    /**
     * The example, plus: coding-agent may ask for {@code variable:write} (grant_required, risk write) in production,
     * where {@code var-api-prod} is a variable.
     */
    public static PolicyCopy withProductionVariableWrite() throws IOException {
        return ofExample()
                .replace("agents.yaml", "grantable: [volume:delete, db:drop, service:delete]",
                        "grantable: [volume:delete, db:drop, service:delete, variable:write]")
                .replace("environments.yaml", "      - id: svc-api-prod\n        type: service\n",
                        "      - id: svc-api-prod\n        type: service\n      - id: var-api-prod\n        type: variable\n");
    }
}
