package dev.airlock.core.scan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code .airlockscanignore} at the root of the scanned tree: files the scan does not report, for fixtures that
 * must look like credentials. One glob a line ({@code #} starts a comment): a glob without {@code /} matches a file
 * name at any depth ({@code *.pem}); one with {@code /} matches the path from the root ({@code docs/*.md}); a
 * matching folder ({@code test/fixtures/}; the trailing {@code /} is optional) is not entered at all. An ignore entry hides credentials from the gate, so the
 * file is reviewed like code (docs/scan.md), and the scan counts what it ignored.
 *
 * <p>{@link #INLINE} on a line ignores the findings of that line only.
 */
final class ScanIgnore {
    static final String FILE = ".airlockscanignore";
    static final String INLINE = "airlock:ignore";
    static final int MAX_LINES = 1000;
    static final int MAX_LINE_LENGTH = 512;

    static final ScanIgnore NONE = new ScanIgnore(List.of(), List.of());

    private final List<PathMatcher> byPath;
    private final List<PathMatcher> byName;

    private ScanIgnore(List<PathMatcher> byPath, List<PathMatcher> byName) {
        this.byPath = byPath;
        this.byName = byName;
    }

    /** The root's ignore file, or {@link #NONE}; a line that is not a valid glob becomes a note, not a failure. */
    static ScanIgnore read(Path root, long maxBytes, List<ScanNote> notes) {
        Path file = root.resolve(FILE);
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return NONE;
        List<String> lines;
        try {
            if (Files.size(file) > maxBytes) {
                notes.add(new ScanNote(FILE, "larger than " + maxBytes + " bytes; not read, nothing ignored"));
                return NONE;
            }
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            notes.add(new ScanNote(FILE, "cannot read (" + e.getClass().getSimpleName() + "); nothing ignored"));
            return NONE;
        }
        List<PathMatcher> byPath = new ArrayList<>();
        List<PathMatcher> byName = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String glob = lines.get(i).strip();
            if (glob.isEmpty() || glob.startsWith("#")) continue;
            if (i >= MAX_LINES || glob.length() > MAX_LINE_LENGTH) {
                notes.add(new ScanNote(FILE + ":" + (i + 1), "beyond " + MAX_LINES + " lines or " + MAX_LINE_LENGTH
                        + " characters; not used"));
                continue;
            }
            if (glob.startsWith("/")) glob = glob.substring(1);
            while (glob.endsWith("/")) glob = glob.substring(0, glob.length() - 1);
            try {
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
                (glob.contains("/") ? byPath : byName).add(m);
            } catch (IllegalArgumentException e) { // PatternSyntaxException among them
                notes.add(new ScanNote(FILE + ":" + (i + 1), "not a valid glob; not used"));
            }
        }
        return new ScanIgnore(List.copyOf(byPath), List.copyOf(byName));
    }

    /** True if {@code relative} ({@code /}-separated, from the root), or a folder it is in, is ignored. */
    boolean ignores(String relative) {
        if (relative.isEmpty() || byPath.isEmpty() && byName.isEmpty()) return false;
        for (Path p = Path.of(relative); p != null; p = p.getParent()) {
            for (PathMatcher m : byPath) {
                if (m.matches(p)) return true;
            }
            for (PathMatcher m : byName) {
                if (m.matches(p.getFileName())) return true;
            }
        }
        return false;
    }
}
