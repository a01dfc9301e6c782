package dev.airlock.core.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether the data files can be written and read, for readiness and for refusals (issue 13). A fault is a
 * condition with a start and an end, logged once when it starts and once when it clears, never per request: a full
 * disk under load once wrote 27,204 stack traces (65 MB) in 8 s, which filled the disk further.
 *
 * <p>Two conditions. {@link Condition#WRITE_FAILED}: an append or fsync failed; requests that must write answer 503
 * with {@code Retry-After}, and the next write that succeeds (or {@link #probe}) clears it, so service resumes by
 * itself. {@link Condition#UNREADABLE}: a line another process appended cannot be read (a newer CLI's op, damage);
 * memory is then behind the file, so decisions made from it could allow what the file forbids (a revocation we
 * cannot read): every decision and change is refused until a catch-up succeeds, exactly as a start would refuse.
 */
public final class StorageHealth {
    /** What a 503 asks clients to wait; short, because a fault clears by itself as soon as a write succeeds. */
    public static final long RETRY_AFTER_SECONDS = 5;
    private static final int PROBE_BYTES = 4096;
    private static final System.Logger LOG = System.getLogger(StorageHealth.class.getName());

    public enum Condition { WRITE_FAILED, UNREADABLE }

    /** One fault: the file's name (never its content) and the operating system's reason. */
    public record Fault(Path file, Condition condition, String reason) {
        public String describe() {
            return switch (condition) {
                case WRITE_FAILED -> file.getFileName() + " cannot be written (" + reason + ")";
                case UNREADABLE -> file.getFileName() + " has a line this server cannot read (" + reason + ")";
            };
        }
    }

    private record Key(Path file, Condition condition) {}

    private final ConcurrentHashMap<Key, Fault> faults = new ConcurrentHashMap<>();
    /** Names that are not files (a database): their owner clears their faults; {@link #probe} must not. */
    private final Set<Path> external = ConcurrentHashMap.newKeySet();

    /**
     * Declares {@code name} a storage that is not a file (PostgreSQL): {@link #probe} leaves its faults alone, since
     * writing a scratch file proves nothing about it; its owner clears them when it reaches the storage again.
     */
    public void external(Path name) {
        external.add(name);
    }

    /** Records a fault; logs only if it was not already recorded. */
    public void failed(Path file, Condition condition, String reason) {
        Fault fault = new Fault(file, condition, reason);
        if (faults.putIfAbsent(new Key(file, condition), fault) == null) {
            LOG.log(System.Logger.Level.ERROR, "storage fault: " + fault.describe() + "; answering 503 until it clears"
                    + (condition == Condition.UNREADABLE ? " (decisions and changes refused: fail closed)" : ""));
        }
    }

    /** Clears a fault; logs only if there was one. */
    public void cleared(Path file, Condition condition) {
        Fault was = faults.remove(new Key(file, condition));
        if (was != null) LOG.log(System.Logger.Level.WARNING, "storage fault cleared: " + was.describe());
    }

    public boolean ready() {
        return faults.isEmpty();
    }

    public List<Fault> faults() {
        return List.copyOf(faults.values());
    }

    /** A fault that makes every decision unsafe (memory is behind the file), if any. */
    public Optional<Fault> unreadable() {
        return faults.values().stream().filter(f -> f.condition() == Condition.UNREADABLE).findFirst();
    }

    /**
     * For readiness while writes fail and no request comes (a load balancer stops sending traffic to a server that
     * is not ready, so no request would ever find out that the disk has room again): writes, fsyncs and deletes a
     * small scratch file next to each file that failed, and clears the fault if that works. Blocking I/O.
     */
    public void probe() {
        for (Fault f : faults()) {
            if (f.condition() != Condition.WRITE_FAILED || external.contains(f.file())) continue;
            if (AppendOnlyFile.writesFailForTesting(f.file())) continue;
            Path dir = f.file().toAbsolutePath().getParent();
            Path scratch = dir.resolve(f.file().getFileName() + ".probe");
            try {
                try (FileChannel out = FileChannel.open(scratch, Set.of(StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING), PrivateFiles.ownerOnly(false))) {
                    ByteBuffer bytes = ByteBuffer.allocate(PROBE_BYTES);
                    while (bytes.hasRemaining()) out.write(bytes);
                    out.force(true);
                }
                cleared(f.file(), Condition.WRITE_FAILED);
            } catch (IOException stillFailing) {
                // the fault stands; it was logged when it started
            } finally {
                try {
                    Files.deleteIfExists(scratch);
                } catch (IOException ignored) {
                    // removed by the next probe
                }
            }
        }
    }
}
