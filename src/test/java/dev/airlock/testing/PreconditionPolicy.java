package dev.airlock.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shipped policy with the example precondition of {@code scopes/grants.yaml} uncommented, exactly as written
 * there (issue 16): the documented example is what the tests run, so it cannot drift from what works.
 */
public final class PreconditionPolicy {
    private PreconditionPolicy() {}

    /** A copy of {@code scopes/} (providers included) with the example precondition active. */
    public static Path write() throws IOException {
        Path dir = Files.createTempDirectory("airlock-precondition-policy");
        Path shipped = TestAirlock.EXAMPLE_POLICY;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(shipped, "*.yaml")) {
            for (Path f : files) Files.copy(f, dir.resolve(f.getFileName().toString()));
        }
        Path providers = Files.createDirectories(dir.resolve("providers"));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(shipped.resolve("providers"), "*.yaml")) {
            for (Path f : files) Files.copy(f, providers.resolve(f.getFileName().toString()));
        }
        Files.writeString(dir.resolve("grants.yaml"), uncommented(Files.readString(shipped.resolve("grants.yaml"))));
        return dir;
    }

    /** The {@code # preconditions:} block, with its "# " taken off each line. */
    static String uncommented(String grants) {
        List<String> out = new ArrayList<>();
        boolean inside = false;
        boolean found = false;
        for (String line : grants.split("\n", -1)) {
            if (line.equals("# preconditions:")) {
                inside = true;
                found = true;
            } else if (inside && !line.startsWith("#   ")) {
                inside = false;
            }
            out.add(inside ? line.substring(2) : line);
        }
        if (!found) throw new IllegalStateException("scopes/grants.yaml no longer has the '# preconditions:' example");
        return String.join("\n", out);
    }
}
