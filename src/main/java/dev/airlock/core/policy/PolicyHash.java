package dev.airlock.core.policy;

import dev.airlock.core.crypto.Hashes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The fingerprint of a policy folder, so that operators can tell whether every replica serves the same policy: the
 * SHA-256 of a {@code sha256sum}-style manifest of the files the loaders read (the folder's {@code *.yaml} and
 * {@code *.yml}, and those of {@code providers/}), one line {@code <sha256 hex><two spaces><relative path>\n} per
 * file, in byte order of the path. Reproducible by hand:
 * {@code cd scopes && LC_ALL=C sha256sum *.yaml providers/*.yaml | sha256sum}.
 */
public final class PolicyHash {
    private PolicyHash() {}

    public static String of(Path policyDir) throws IOException {
        List<String> files = new ArrayList<>();
        collect(policyDir, "", files);
        Path providers = policyDir.resolve("providers");
        if (Files.isDirectory(providers)) collect(providers, "providers/", files);
        files.sort(null);
        StringBuilder manifest = new StringBuilder();
        for (String f : files) {
            manifest.append(hex(Hashes.sha256(Files.readAllBytes(policyDir.resolve(f))))).append("  ").append(f).append('\n');
        }
        return hex(Hashes.sha256(manifest.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static void collect(Path dir, String prefix, List<String> out) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                if ((name.endsWith(".yaml") || name.endsWith(".yml")) && Files.isRegularFile(p)) out.add(prefix + name);
            }
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
