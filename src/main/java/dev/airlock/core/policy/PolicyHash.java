package dev.airlock.core.policy;

import dev.airlock.core.crypto.Hashes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * One stable name for the policy a server runs: {@code sha256:<hex>} over the files the loaders read (the folder's
 * own {@code *.yaml}/{@code *.yml} and those of {@code providers/}). Replicas that print the same hash run the same
 * policy; an operator can compute it without Airlock, as {@code sha256sum} would:
 *
 * <pre>cd scopes &amp;&amp; ls *.yaml *.yml providers/*.yaml providers/*.yml 2&gt;/dev/null | LC_ALL=C sort | xargs sha256sum | sha256sum</pre>
 *
 * That is, the SHA-256 of the lines {@code <sha256 of the file's bytes>  <path relative to the folder>\n}, in byte
 * order of the paths (ASCII names sort the same in Java and in the C locale). Other files (a README, an editor's swap
 * file) are not policy and do not change it.
 */
public final class PolicyHash {
    public static final String PREFIX = "sha256:";

    private PolicyHash() {}

    public static String of(Path policyDir) throws IOException {
        List<String> files = new ArrayList<>(yamlFiles(policyDir, ""));
        Path providers = policyDir.resolve("providers");
        if (Files.isDirectory(providers)) files.addAll(yamlFiles(providers, "providers/"));
        files.sort(null);
        StringBuilder manifest = new StringBuilder();
        for (String relative : files) {
            byte[] bytes = Files.readAllBytes(policyDir.resolve(relative));
            manifest.append(HexFormat.of().formatHex(Hashes.sha256(bytes))).append("  ").append(relative).append('\n');
        }
        return PREFIX + HexFormat.of().formatHex(Hashes.sha256(manifest.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> yamlFiles(Path dir, String prefix) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml")).map(n -> prefix + n).toList();
        }
    }
}
