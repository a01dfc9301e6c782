package dev.airlock.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The policy hash as docs/operations.md defines it, computed here without Airlock's code: what
 * {@code cd scopes && LC_ALL=C sha256sum *.yaml providers/*.yaml | sha256sum} prints.
 */
public final class IndependentPolicyHash {
    private IndependentPolicyHash() {}

    public static String of(Path dir) throws Exception {
        List<String> files;
        try (Stream<Path> s = Files.walk(dir, 2)) {
            files = s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml"))
                    .filter(n -> !n.contains("/") || n.startsWith("providers/"))
                    .sorted().toList();
        }
        StringBuilder lines = new StringBuilder();
        for (String f : files) {
            lines.append(hex(Files.readAllBytes(dir.resolve(f)))).append("  ").append(f).append('\n');
        }
        return "sha256:" + hex(lines.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
