package dev.airlock.core.scan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds fixture trees in a temporary folder and scans them. */
final class ScanTrees {
    private ScanTrees() {}

    static Path write(Path root, String relative, String content) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    static ScanResult scan(Path root) throws ScanException {
        return new CredentialScanner(ScanLimits.DEFAULT, List.of()).scan(root);
    }

    static ScanResult scan(Path root, List<ProviderSignature> providers) throws ScanException {
        return new CredentialScanner(ScanLimits.DEFAULT, providers).scan(root);
    }

    /** "path:line kind" for each finding, the shape most assertions compare. */
    static List<String> located(ScanResult r) {
        return r.findings().stream().map(f -> f.path() + ":" + f.line() + " " + f.kind().code()).toList();
    }
}
