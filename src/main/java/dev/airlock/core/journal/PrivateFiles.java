package dev.airlock.core.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creating files in the data directory, which holds secret hashes and the audit trail: owner-only permissions
 * where the OS has them, and directory entries made durable (a file fsync'd into a directory entry that was
 * never fsync'd can vanish after a power cut).
 */
public final class PrivateFiles {

    private PrivateFiles() {}

    /** Opens for read and write, creating it owner-only (and fsyncing its directory) if it did not exist. */
    public static FileChannel openReadWrite(Path path) throws IOException {
        boolean created = !Files.exists(path);
        FileChannel channel = FileChannel.open(path, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE), ownerOnly(false));
        if (created) fsyncDirectory(path.toAbsolutePath().getParent());
        return channel;
    }

    /**
     * As {@link #openReadWrite}, write-only in append mode ({@code O_APPEND}): every write goes to the end of the file as it is
     * at that moment, so no writer can overwrite bytes another has written, whatever locks were lost (issue 13).
     */
    public static FileChannel openAppend(Path path) throws IOException {
        boolean created = !Files.exists(path);
        FileChannel channel = FileChannel.open(path, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), ownerOnly(false));
        if (created) fsyncDirectory(path.toAbsolutePath().getParent());
        return channel;
    }

    /** {@code rw-------} (or {@code rwx------} for a directory); nothing where POSIX permissions do not exist. */
    public static FileAttribute<?>[] ownerOnly(boolean directory) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) return new FileAttribute<?>[0];
        return new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(directory ? "rwx------" : "rw-------"))
        };
    }

    /**
     * Creates the data directory, and any missing parent, owner-only ({@code rwx------}) whatever the umask: it will
     * hold secret hashes, sealed keys and the audit trail. An existing directory is left as it is (see
     * {@link #requireSafeDataDirectory}).
     */
    public static void createDataDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, ownerOnly(true));
            // createDirectories applies the umask to the mode asked for; say it again so the umask cannot widen it.
            if (posix()) Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /**
     * Refuses a data directory that other users may write to: anyone on the machine could then replace
     * {@code state.journal} (forget a revocation), {@code audit.log} or the keys. Group write is allowed, as
     * Kubernetes' {@code fsGroup} grants it to the pod's own group.
     */
    public static void requireSafeDataDirectory(Path dir) throws IOException {
        if (!posix() || !Files.isDirectory(dir)) return;
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
        if (mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException("refusing data directory " + dir + ": it is writable by others ("
                    + PosixFilePermissions.toString(mode) + "), so any user of this machine could replace its"
                    + " journal, audit log or keys; make it owner-only: chmod 700 " + dir);
        }
    }

    /**
     * Refuses a secret file that group or others may read ({@code what} names it in the message): with
     * {@code master.key}, whoever can read it can unseal every signing key and TOTP secret.
     */
    public static void requireOwnerOnlyReadable(Path file, String what) throws IOException {
        if (!posix()) return;
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)) {
            throw new IOException("refusing " + file + ": it is readable by group or others ("
                    + PosixFilePermissions.toString(mode) + "), and it holds " + what + "; make it owner-only:"
                    + " chmod 600 " + file);
        }
    }

    /**
     * The problem an I/O failure names, for a person: the JDK's {@link AccessDeniedException} says only a path, which
     * reads like a missing file. Permission problems say so, with the file's owner and mode and the user Airlock runs
     * as; other file-system errors keep their reason.
     */
    public static String explain(IOException e) {
        if (e instanceof AccessDeniedException denied) {
            String file = denied.getFile();
            StringBuilder why = new StringBuilder("permission denied: ").append(file);
            if (denied.getOtherFile() != null) why.append(" -> ").append(denied.getOtherFile());
            why.append(" (").append(ownerAndMode(file)).append("; Airlock runs as user ")
                    .append(System.getProperty("user.name")).append(")");
            return why.toString();
        }
        if (e instanceof NoSuchFileException missing) return "no such file or directory: " + missing.getFile();
        if (e instanceof NotDirectoryException notDir) return "not a directory: " + notDir.getFile();
        if (e instanceof FileSystemException fs && fs.getReason() != null) return fs.getMessage();
        if (e instanceof FileSystemException fs) return e.getClass().getSimpleName() + ": " + fs.getFile();
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static String ownerAndMode(String file) {
        if (file == null) return "owner and mode unknown";
        Path p = Path.of(file);
        try {
            String mode = posix() ? PosixFilePermissions.toString(Files.getPosixFilePermissions(p,
                    LinkOption.NOFOLLOW_LINKS)) : "?";
            return "owner " + Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName() + ", mode " + mode;
        } catch (IOException | UnsupportedOperationException unreadable) {
            return "its owner and mode cannot be read either: check the directories above it";
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Puts {@code content} at {@code target} whole or not at all: a temporary file (owner-only), fsync, then a hard
     * link (which, unlike a rename, fails if {@code target} exists, so two processes racing to create a key cannot
     * replace each other's) or, with {@code replace}, an atomic rename; then the directory is fsync'd. A full disk or
     * a crash leaves no file or the old one, never a 0-byte or half-written secret (issue 13: a first start on a full
     * disk left an empty {@code master.key} that blocked every later start).
     *
     * @throws java.nio.file.FileAlreadyExistsException if {@code !replace} and {@code target} exists
     */
    public static void writeAtomically(Path target, byte[] content, boolean replace) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve(target.getFileName() + ".tmp-" + Long.toHexString(System.nanoTime()));
        try {
            try (FileChannel out = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), ownerOnly(false))) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
                while (buf.hasRemaining()) out.write(buf);
                out.force(true);
            }
            if (replace) {
                Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } else {
                try {
                    Files.createLink(target, tmp);
                } catch (UnsupportedOperationException noLinks) {
                    if (Files.exists(target)) throw new java.nio.file.FileAlreadyExistsException(target.toString());
                    Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            }
            fsyncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Makes a created or renamed directory entry durable; a no-op where directories cannot be opened. */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException ignored) {
            // Windows cannot open directories; NTFS journals metadata itself
        }
    }
}
