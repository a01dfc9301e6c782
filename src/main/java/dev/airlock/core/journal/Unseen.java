package dev.airlock.core.journal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What an {@link AppendOnlyFile.Owner} is shown under the lock: the complete lines in {@code [from, end)} that this
 * instance did not write. Valid only during the callback (the lock is released afterwards).
 */
public final class Unseen {

    /** Receives one unseen line. */
    @FunctionalInterface
    public interface LineConsumer {
        void accept(LineReader.Line line) throws IOException;
    }

    static final long MAX_LINE_BYTES = 16L << 20;

    private final FileChannel channel;
    private final long from;
    private final long end;
    private final boolean fromStart;

    Unseen(FileChannel channel, long from, long end, boolean fromStart) {
        this.channel = channel;
        this.from = from;
        this.end = end;
        this.fromStart = fromStart;
    }

    /**
     * True on the first catch-up after open, and when another process truncated or rewrote the file (compaction):
     * the owner must forget what it derived from the file and rebuild from {@link #from()} (= 0) plus any checkpoint.
     */
    public boolean fromStart() {
        return fromStart;
    }

    public long from() {
        return from;
    }

    /** File size; the file ends with {@code '\n'} here (torn tails are removed before the owner is called). */
    public long end() {
        return end;
    }

    /** Streams the unseen lines in file order; {@link LineReader.Line#offset()} is relative to {@link #from()}. */
    public void forEachLine(LineConsumer consumer) throws IOException {
        try (LineReader reader = new LineReader(new Slice(channel, from, end), MAX_LINE_BYTES)) {
            LineReader.Line line;
            while ((line = reader.next()) != null) consumer.accept(line);
        }
    }

    /** The file's last complete line (seen or not), read backwards from the end, so O(line) not O(file). */
    public Optional<String> lastLine() throws IOException {
        if (end == 0) return Optional.empty();
        long lineEnd = end - 1; // the final '\n'
        long start = 0;
        byte[] buf = new byte[8192];
        long scan = lineEnd;
        search:
        while (scan > 0) {
            int n = (int) Math.min(buf.length, scan);
            long at = scan - n;
            readFully(ByteBuffer.wrap(buf, 0, n), at);
            for (int i = n - 1; i >= 0; i--) {
                if (buf[i] == '\n') {
                    start = at + i + 1;
                    break search;
                }
            }
            scan = at;
            if (lineEnd - scan > MAX_LINE_BYTES) throw new IOException("last line is longer than " + MAX_LINE_BYTES);
        }
        byte[] line = new byte[(int) (lineEnd - start)];
        readFully(ByteBuffer.wrap(line), start);
        return Optional.of(new String(line, StandardCharsets.UTF_8));
    }

    private void readFully(ByteBuffer dst, long position) throws IOException {
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position);
            if (n < 0) throw new IOException("file shrank while held under lock");
            position += n;
        }
    }

    /** Positional reads, so the channel's own position (unused elsewhere) stays irrelevant. */
    private static final class Slice extends InputStream {
        private final FileChannel channel;
        private long position;
        private final long end;

        Slice(FileChannel channel, long from, long end) {
            this.channel = channel;
            this.position = from;
            this.end = end;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (position >= end) return -1;
            int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
            if (n > 0) position += n;
            return n;
        }
    }
}
