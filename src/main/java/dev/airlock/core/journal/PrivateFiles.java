package dev.airlock.core.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
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

    /** {@code rw-------} (or {@code rwx------} for a directory); nothing where POSIX permissions do not exist. */
    public static FileAttribute<?>[] ownerOnly(boolean directory) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) return new FileAttribute<?>[0];
        return new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(directory ? "rwx------" : "rw-------"))
        };
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
