package dev.airlock.core.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.function.Predicate;

/**
 * A data file's last line without {@code '\n'}, seen while holding its lock: every writer holds the lock while
 * writing, so its writer was killed mid-write, or the file was damaged or partly restored. It used to be cut off as
 * "never acknowledged", which after a partial restore deleted an acknowledged revocation and made a failing
 * {@code audit verify} pass, with no trace (issue 13, finding 3). Now nothing is destroyed: a whole record (the
 * owner says) keeps its place and gets its newline; anything else is copied, byte for byte, into
 * {@code <name>.torn-<offset>-<UTC time>} (fsync'd) before the file is cut, and the repair is reported for the audit
 * log. A read-only open changes nothing and reads up to the line before. Complete lines of the same unfinished batch
 * stay: well-formed and in order (the audit chain through them is valid), so keeping them is harmless and needs no
 * guess about where the batch began.
 */
final class TornTail {
    /** The largest unterminated end treated as a torn write: one batch, plus one line that pushed it over. */
    static final int MAX_BYTES = 2 * AppendOnlyFile.MAX_BATCH_BYTES;
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /** What was done, and the size of the file the owner is to read (up to and including its last newline). */
    record Outcome(AppendOnlyFile.Repair repair, long end) {}

    private TornTail() {}

    static Outcome handle(Path file, FileChannel data, FileChannel appender, long size, boolean readOnly,
                          Predicate<byte[]> isRecord) throws IOException {
        long keep = size - 1;
        while (keep > 0 && size - keep <= MAX_BYTES && byteBefore(data, keep) != '\n') keep--;
        if (size - keep > MAX_BYTES) {
            // Not a torn write (a batch is at most MAX_BATCH_BYTES): damage this large is for a person to look at.
            throw new IOException(file + " ends in more than " + MAX_BYTES + " bytes without a newline; not a torn"
                    + " write: refusing to repair it (move the damaged end aside by hand, then start again)");
        }
        byte[] tail = new byte[(int) (size - keep)];
        ByteBuffer buf = ByteBuffer.wrap(tail);
        while (buf.hasRemaining() && data.read(buf, keep + buf.position()) > 0) {
            // positional reads until the tail is in memory
        }
        String sha = sha256(tail);
        if (readOnly) return new Outcome(new AppendOnlyFile.Repair(file, keep, tail.length, sha, null, false), keep);
        if (isRecord.test(tail)) {
            ByteBuffer newline = ByteBuffer.wrap(new byte[] {'\n'});
            while (newline.hasRemaining()) appender.write(newline); // O_APPEND: lands at the end
            data.force(false);
            return new Outcome(new AppendOnlyFile.Repair(file, keep, tail.length, sha, null, true), size + 1);
        }
        Path aside = file.resolveSibling(file.getFileName() + ".torn-" + keep + "-" + STAMP.format(Instant.now()));
        PrivateFiles.writeAtomically(aside, tail, false);
        data.truncate(keep);
        data.force(false);
        return new Outcome(new AppendOnlyFile.Repair(file, keep, tail.length, sha, aside, true), keep);
    }

    private static int byteBefore(FileChannel data, long position) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        data.read(one, position - 1);
        return one.get(0);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
