package dev.airlock.deploy;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The files of a {@code deploy/} folder, read offline: every YAML document (Jackson YAML, duplicate keys refused), the
 * systemd unit's directives, and the text of the others. Problems are collected, not thrown, so that one run names
 * every one of them; each names its file.
 */
final class DeployFiles {
    /** One YAML document: its file, its place in the file (1-based, empty documents not counted) and its tree. */
    record Doc(String file, int index, JsonNode tree) {
        String where() {
            String kind = tree.path("kind").asText("");
            String name = tree.path("metadata").path("name").asText("");
            return file + " document " + index + (kind.isEmpty() ? "" : " (" + kind + (name.isEmpty() ? "" : " " + name) + ")");
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    final Path dir;
    final List<String> problems = new ArrayList<>();
    /** Every YAML file's documents, by file name. */
    final Map<String, List<Doc>> yaml = new LinkedHashMap<>();

    private DeployFiles(Path dir) {
        this.dir = dir;
    }

    static DeployFiles read(Path dir) throws IOException {
        DeployFiles f = new DeployFiles(dir);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        for (Path p : files) f.yaml.put(p.getFileName().toString(), f.parse(p));
        return f;
    }

    private List<Doc> parse(Path p) throws IOException {
        List<Doc> docs = new ArrayList<>();
        String name = p.getFileName().toString();
        try (var parser = YAML.getFactory().createParser(Files.readString(p))) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNextValue()) {
                JsonNode tree = it.nextValue();
                if (tree == null || tree.isNull() || tree.isMissingNode()) continue; // a comment-only document
                docs.add(new Doc(name, docs.size() + 1, tree));
            }
        } catch (IOException | RuntimeException e) {
            problems.add(name + ": not valid YAML: " + e.getMessage());
        }
        return docs;
    }

    String text(String name) throws IOException {
        return Files.readString(dir.resolve(name));
    }

    /**
     * A systemd unit's {@code Key=value} directives in file order (continuation lines joined, comments dropped);
     * a key may repeat.
     */
    List<Map.Entry<String, String>> unit(String name) throws IOException {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String raw : text(name).split("\n", -1)) {
            if (line.isEmpty() && (raw.startsWith("#") || raw.startsWith(";") || raw.isBlank() || raw.startsWith("["))) {
                continue;
            }
            if (raw.endsWith("\\")) {
                line.append(raw, 0, raw.length() - 1).append(' ');
                continue;
            }
            line.append(raw);
            String l = line.toString().strip();
            line.setLength(0);
            int eq = l.indexOf('=');
            if (eq > 0) out.add(Map.entry(l.substring(0, eq), l.substring(eq + 1)));
        }
        return out;
    }

    /** {@code KEY=value} lines of an environment file (systemd's EnvironmentFile, compose's .env), comments dropped. */
    Map<String, String> envFile(String name) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : text(name).split("\n")) {
            if (l.isBlank() || l.startsWith("#")) continue;
            int eq = l.indexOf('=');
            if (eq > 0) out.put(l.substring(0, eq), l.substring(eq + 1));
        }
        return out;
    }

    /** Every string scalar of a tree, with its path (for the "no secret inline" rules). */
    static void strings(JsonNode node, String path, Map<String, String> out) {
        if (node.isTextual()) {
            out.put(path, node.asText());
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) strings(node.get(i), path + "[" + i + "]", out);
        } else if (node.isObject()) {
            node.fields().forEachRemaining(e -> strings(e.getValue(), path + "." + e.getKey(), out));
        }
    }
}
