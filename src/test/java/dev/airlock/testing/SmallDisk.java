package dev.airlock.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real, small file system (tmpfs) that a test can fill to ENOSPC and free again: the disk-full faults of issue 13
 * as the kernel reports them, not as a mock imagines them. Needs root (mount); elsewhere the test is skipped, loudly.
 */
public final class SmallDisk implements AutoCloseable {
    public final Path root;
    private final Path filler;

    private SmallDisk(Path root) {
        this.root = root;
        this.filler = root.resolve("filler");
    }

    /** Mounts a tmpfs of {@code mib} MiB, or skips the calling test (with a line on standard error) if it cannot. */
    public static SmallDisk mount(int mib) throws IOException, InterruptedException {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) System.err.println("SKIPPED: a small-disk (tmpfs) test needs root to mount; not root here");
        Assumptions.assumeTrue(root, "tmpfs needs root");
        Path dir = Files.createTempDirectory("airlock-small-disk");
        int rc = run("mount", "-t", "tmpfs", "-o", "size=" + mib + "m,mode=0700", "tmpfs", dir.toString());
        if (rc != 0) System.err.println("SKIPPED: mount -t tmpfs failed (exit " + rc + ")");
        Assumptions.assumeTrue(rc == 0, "mount -t tmpfs failed");
        return new SmallDisk(dir);
    }

    /** Writes a filler file until the file system is full (ENOSPC). */
    public void fill() throws IOException {
        ByteBuffer block = ByteBuffer.allocate(64 * 1024);
        try (FileChannel out = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            while (true) {
                block.clear();
                out.write(block);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) throw full;
        }
        // Small blocks too, so that no page is left for a short write.
        try (FileChannel out = FileChannel.open(filler, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer one = ByteBuffer.allocate(512);
            while (true) {
                one.clear();
                out.write(one);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) throw full;
        }
    }

    public void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    @Override
    public void close() throws Exception {
        run("umount", "-l", root.toString());
        Files.deleteIfExists(root);
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
