package dev.airlock.core.scan;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the standing credentials an agent working in a folder could read (issue 16): the provider token that was
 * "lying in a file nobody knew about". Walks the tree within {@link ScanLimits}, runs {@link FileScan} over every
 * text file, and returns findings that carry a fingerprint, never a value.
 *
 * <p>Symlinks are never followed, so the walk cannot leave the tree or loop. A symlink whose target lies inside the
 * tree is scanned where the target is; one that points outside it (or nowhere) becomes a note, since an agent here
 * can read through it: scan its target, or use {@code --include-home} for the usual places. The named root itself
 * may be a symlink; it is resolved once.
 *
 * <p>Skipped by default, with {@code includeBuildDirs} to enter them: {@link #BUILD_DIRS} (dependencies and build
 * output, large and regenerated) and {@code objects}/{@code lfs} inside {@code .git} (compressed; a credential
 * committed to history needs a history scanner and a rotation, see docs/scan.md). {@code .git/config} is read.
 */
public final class CredentialScanner {
    public static final Set<String> BUILD_DIRS = Set.of("node_modules", "target", "build", "dist", ".gradle", ".venv",
            "venv", "__pycache__", ".tox", ".terraform", ".next", "vendor");
    /** Notes beyond this many are counted in one last note rather than listed. */
    public static final int MAX_NOTES = 200;

    private final ScanLimits limits;
    private final List<ProviderSignature> providers;
    private final FileScan fileScan;

    public CredentialScanner(ScanLimits limits, List<ProviderSignature> providers) {
        this.limits = limits;
        this.providers = List.copyOf(providers);
        this.fileScan = new FileScan(providers);
    }

    /** Scans the tree under {@code dir}. */
    public ScanResult scan(Path dir) throws ScanException {
        Path root;
        try {
            root = dir.toRealPath();
        } catch (IOException e) {
            throw new ScanException("cannot scan " + dir + ": no such folder or not readable");
        }
        if (!Files.isDirectory(root) || !Files.isReadable(root)) {
            throw new ScanException("cannot scan " + dir + ": not a readable folder");
        }
        Run run = new Run(root, "");
        run.ignore = ScanIgnore.read(root, limits.maxFileBytes(), run.notes);
        try {
            Files.walkFileTree(root, EnumSet.noneOf(java.nio.file.FileVisitOption.class), limits.maxDepth(), new Walker(run));
        } catch (IOException e) {
            throw new ScanException("cannot scan " + dir + ": " + e.getClass().getSimpleName());
        }
        return run.result();
    }

    /**
     * Scans the well-known credential locations under a home directory ({@link Locations#HOME_FILES},
     * {@link Locations#HOME_DIRS}), following symlinks there: a dotfile linked from a dotfiles repository is as
     * readable as a plain one. Paths read {@code ~/...}. A missing home is an empty result.
     */
    public ScanResult scanHome(Path home) {
        Run run = new Run(home, "~/");
        for (String rel : Locations.HOME_FILES) {
            Path p = home.resolve(rel);
            if (Files.isRegularFile(p) && !run.stopped) run.file(p, rel);
        }
        for (String rel : Locations.HOME_DIRS) {
            Path d = home.resolve(rel);
            if (!Files.isDirectory(d) || run.stopped) continue;
            try (var files = Files.walk(d, 4)) {
                for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                    if (run.stopped) break;
                    run.file(p, home.relativize(p).toString().replace('\\', '/'));
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                run.note(rel, "cannot read (" + e.getClass().getSimpleName() + ")");
            }
        }
        return run.result();
    }

    /** The state of one scan. */
    private final class Run {
        final Path root;
        final String display;
        final List<Finding> findings = new ArrayList<>();
        final List<ScanNote> notes = new ArrayList<>();
        ScanIgnore ignore = ScanIgnore.NONE;
        int files;
        int ignored;
        int droppedNotes;
        long bytes;
        boolean stopped;
        boolean exhaustedNoted;

        Run(Path root, String display) {
            this.root = root;
            this.display = display;
        }

        void note(String path, String reason) {
            if (notes.size() < MAX_NOTES) notes.add(new ScanNote(display + path, reason));
            else droppedNotes++;
        }

        /** Looks at one regular file; returns false once a limit stops the scan. */
        boolean file(Path file, String rel) {
            if (files >= limits.maxFiles()) {
                note(rel, "not read: the scan stopped after " + limits.maxFiles() + " files (--max-files)");
                stopped = true;
                return false;
            }
            files++;
            Locations.Store store = Locations.storeOf(rel);
            long size;
            try {
                size = Files.size(file);
            } catch (IOException e) {
                note(rel, "cannot read (" + e.getClass().getSimpleName() + ")");
                return true;
            }
            if (size > limits.maxFileBytes()) {
                note(rel, "larger than " + limits.maxFileBytes() + " bytes (" + size + "); not read");
                return true;
            }
            if (bytes + size > limits.maxTotalBytes()) {
                note(rel, "not read: the scan stopped after reading " + bytes + " bytes");
                stopped = true;
                return false;
            }
            byte[] content;
            try (InputStream in = Files.newInputStream(file)) {
                content = in.readNBytes((int) limits.maxFileBytes());
            } catch (IOException e) {
                note(rel, "cannot read (" + e.getClass().getSimpleName() + ")");
                return true;
            }
            bytes += content.length;
            boolean skip = display.isEmpty() && ignore.ignores(rel);
            if (store != null && content.length > 0) {
                if (skip) ignored++;
                else findings.add(finding(rel, 0, store.kind(), Fingerprint.of(content), null));
                return true;
            }
            if (FileScan.binary(content)) return true;
            FileScan.Outcome outcome = fileScan.scan(rel, content);
            if (outcome.exhausted() && !exhaustedNoted) {
                exhaustedNoted = true;
                note(rel, "a provider's credential pattern took too long on a line and was stopped there");
            }
            ignored += outcome.ignoredInline();
            for (Hit h : outcome.hits()) {
                if (skip) ignored++;
                else findings.add(finding(rel, h.line, h.kind, h.fingerprint(), h.provider));
            }
            return true;
        }

        private Finding finding(String rel, int line, CredentialKind kind, String fingerprint, String provider) {
            String via = provider;
            if (via == null && !kind.vendor().isEmpty()) {
                via = providers.stream().map(ProviderSignature::name).filter(kind.vendor()::equals).findFirst().orElse(null);
            }
            return new Finding(display + rel, line, kind, fingerprint, via);
        }

        ScanResult result() {
            List<Finding> sorted = new ArrayList<>(findings);
            sorted.sort(Comparator.comparing(Finding::path).thenComparingInt(Finding::line));
            List<ScanNote> all = new ArrayList<>(notes);
            if (droppedNotes > 0) all.add(new ScanNote(display, droppedNotes + " more notes not listed"));
            return new ScanResult(sorted, all, files, ignored, stopped);
        }
    }

    private final class Walker extends SimpleFileVisitor<Path> {
        private final Run run;

        Walker(Run run) {
            this.run = run;
        }

        private String rel(Path p) {
            return run.root.relativize(p).toString().replace('\\', '/');
        }

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            if (dir.equals(run.root)) return FileVisitResult.CONTINUE;
            String name = dir.getFileName().toString();
            String rel = rel(dir);
            if (!limits.includeBuildDirs()) {
                if (BUILD_DIRS.contains(name)) return FileVisitResult.SKIP_SUBTREE;
                if ((name.equals("objects") || name.equals("lfs")) && ("/" + rel).contains("/.git/")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
            }
            if (run.ignore.ignores(rel)) return FileVisitResult.SKIP_SUBTREE;
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            String rel = rel(file);
            if (attrs.isSymbolicLink()) {
                symlink(file, rel);
                return FileVisitResult.CONTINUE;
            }
            if (attrs.isDirectory()) { // at the depth limit, walkFileTree hands folders over as files
                run.note(rel + "/", "deeper than " + limits.maxDepth() + " folders; not entered");
                return FileVisitResult.CONTINUE;
            }
            if (!attrs.isRegularFile()) return FileVisitResult.CONTINUE; // sockets, fifos, devices: nothing to read
            return run.file(file, rel) ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
        }

        private void symlink(Path link, String rel) {
            Path target;
            try {
                target = link.toRealPath();
            } catch (IOException e) {
                return; // dangling or a loop: nothing readable through it
            }
            if (!target.startsWith(run.root)) {
                run.note(rel, "symlink to outside the scanned folder; not followed (an agent here can read through"
                        + " it: scan its target)");
            }
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
            run.note(rel(file), "cannot read (" + e.getClass().getSimpleName() + ")");
            return FileVisitResult.CONTINUE;
        }
    }
}
