package dev.airlock.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The shipped example policy, copied for a harness run, with the shipped providers pointed at a local upstream and
 * their credential read from a file (what the proxy needs to forward anything); every rule is the shipped one.
 */
public final class HarnessPolicy {
    public static final Path SHIPPED = Path.of("scopes").toAbsolutePath();
    /** The provider credential the harness's upstream receives; never sent by any client. */
    public static final String CREDENTIAL = "harness-provider-credential-4f1d";

    private HarnessPolicy() {}

    public static Path write(Path dir, String upstreamBase) throws IOException {
        Files.createDirectories(dir.resolve("providers"));
        for (String f : List.of("agents.yaml", "environments.yaml", "grants.yaml", "scopes.yaml")) {
            Files.copy(SHIPPED.resolve(f), dir.resolve(f));
        }
        Path credential = dir.resolve("provider-credential.txt");
        Files.writeString(credential, CREDENTIAL + "\n");
        String fromFile = "  file: " + credential.toAbsolutePath();
        Files.writeString(dir.resolve("providers/railway.yaml"), replaced(SHIPPED.resolve("providers/railway.yaml"),
                "upstream: https://backboard.railway.com", "upstream: " + upstreamBase, "  env: RAILWAY_TOKEN", fromFile));
        Files.writeString(dir.resolve("providers/generic-rest.yaml"), replaced(
                SHIPPED.resolve("providers/generic-rest.yaml"), "upstream: https://api.example.com",
                "upstream: " + upstreamBase, "  env: EXAMPLE_API_TOKEN", fromFile));
        return dir;
    }

    private static String replaced(Path file, String... pairs) throws IOException {
        String text = Files.readString(file);
        for (int i = 0; i < pairs.length; i += 2) {
            if (!text.contains(pairs[i])) throw new IllegalStateException(file + " no longer contains " + pairs[i]);
            text = text.replace(pairs[i], pairs[i + 1]);
        }
        return text;
    }
}
