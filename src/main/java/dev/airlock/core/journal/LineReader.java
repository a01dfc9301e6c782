package dev.airlock.core.journal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Splits a stream of JSON lines on {@code '\n'} only. {@code BufferedReader.readLine} would also split on
 * {@code '\r'}, which would let a stray carriage return change how many lines a verifier sees.
 */
public final class LineReader implements Closeable {

    /**
     * One line without its {@code '\n'}. {@code complete} is false only for a last line with no newline: a torn
     * write. {@code number} is 1-based; {@code offset} is the byte offset of the line's first byte.
     */
    public record Line(long number, long offset, byte[] bytes, boolean complete) {
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private final InputStream in;
    private final long maxLineBytes;
    private long number;
    private long offset;

    public LineReader(InputStream in, long maxLineBytes) {
        this.in = new BufferedInputStream(in, 64 * 1024);
        this.maxLineBytes = maxLineBytes;
    }

    /** The next line, or null at the end of the stream. */
    public Line next() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') return emit(line, true);
            if (line.size() >= maxLineBytes) {
                throw new IOException("line " + (number + 1) + " is longer than " + maxLineBytes + " bytes");
            }
            line.write(b);
        }
        return line.size() == 0 ? null : emit(line, false);
    }

    private Line emit(ByteArrayOutputStream line, boolean complete) {
        Line result = new Line(++number, offset, line.toByteArray(), complete);
        offset += line.size() + (complete ? 1 : 0);
        return result;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
