package dev.airlock.harness;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, for bytes no HTTP client would send. One connection per exchange, from a chosen
 * loopback source address (all of 127/8 is loopback on Linux): Airlock throttles failures per address, so hostile
 * traffic spread over many addresses keeps reaching the code behind the throttle, and the harness's own control
 * requests, sent from an address the hostile traffic never uses, are never throttled by it.
 *
 * <p>Answers are parsed just enough to count them: status line, then the body by Content-Length or chunked framing,
 * so that several pipelined answers can be told apart. Nothing here asserts; the caller counts.
 */
public final class RawHttp {
    private RawHttp() {}

    /** What came back: one status and one head (status line and header lines) per answer, in order. */
    public record Exchange(List<Integer> statuses, List<String> heads, boolean timedOut, boolean reset,
                           boolean closedByServer, String firstHead) {
        public boolean answered() {
            return !statuses.isEmpty();
        }
    }

    /**
     * Sends {@code bytes} and reads answers.
     *
     * @param expect       answers to wait for (pipelined requests); reading stops once this many are complete
     * @param waitMillis   how long to wait for an answer before giving up (a request the server cannot finish parsing
     *                     is not answered; that is not a failure)
     * @param halfClose    shut the sending side after writing, for bytes that are not a complete request, so the
     *                     server sees the end of the stream instead of waiting for more
     */
    public static Exchange send(InetAddress source, InetSocketAddress target, byte[] bytes, int expect, int waitMillis,
                                boolean halfClose) throws IOException {
        try (Socket s = new Socket()) {
            s.setReuseAddress(true);
            s.setSoLinger(true, 0); // RST on close: 50,000 exchanges must not leave 50,000 TIME_WAIT sockets behind
            if (source != null) s.bind(new InetSocketAddress(source, 0));
            s.connect(target, 5000);
            s.setSoTimeout(waitMillis);
            OutputStream out = s.getOutputStream();
            boolean reset = false;
            try {
                out.write(bytes);
                out.flush();
                if (halfClose) s.shutdownOutput();
            } catch (IOException e) {
                // The server may answer and close before it has read everything (413 on a declared length, 431):
                // what it answered is still readable, so go on.
                reset = true;
            }
            return read(s.getInputStream(), expect, reset);
        }
    }

    private static Exchange read(InputStream in, int expect, boolean resetOnWrite) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[16384];
        List<Integer> statuses = new ArrayList<>();
        List<String> heads = new ArrayList<>();
        boolean timedOut = false;
        boolean reset = resetOnWrite;
        boolean eof = false;
        boolean toEof = false; // an answer without a length: it ends where the stream does
        int parsedUpTo = 0;
        String firstHead = null;
        try {
            while (toEof || statuses.size() < expect) {
                int n = in.read(chunk);
                if (n < 0) {
                    eof = true;
                    break;
                }
                buf.write(chunk, 0, n);
                if (buf.size() > 4 * 1024 * 1024) break; // more than any answer of Airlock's needs
                if (toEof) continue;
                byte[] all = buf.toByteArray();
                while (statuses.size() < expect) {
                    Parsed p = parseOne(all, parsedUpTo);
                    if (p == null) break;
                    if (p.status > 0) {
                        statuses.add(p.status);
                        heads.add(p.head);
                        if (firstHead == null) firstHead = p.head;
                    }
                    if (p.end < 0) {
                        toEof = true;
                        break;
                    }
                    parsedUpTo = p.end;
                }
            }
        } catch (SocketTimeoutException e) {
            timedOut = true;
        } catch (IOException e) {
            reset = true;
        }
        if (statuses.isEmpty()) {
            // A head without all of its body, or an answer cut short: the status still counts.
            byte[] all = buf.toByteArray();
            int status = statusOf(all, 0);
            if (status > 0) {
                statuses.add(status);
                firstHead = headOf(all, 0);
                heads.add(firstHead);
            }
        }
        return new Exchange(statuses, heads, timedOut, reset, eof, firstHead);
    }

    private record Parsed(int status, int start, int end, String head) {}

    /** One answer starting at {@code from}: null if its head is not complete yet; {@code end} -1 for read-to-EOF. */
    private static Parsed parseOne(byte[] all, int from) {
        if (from < 0 || from >= all.length) return null;
        int headEnd = indexOf(all, "\r\n\r\n".getBytes(ISO_8859_1), from);
        if (headEnd < 0) return null;
        String head = new String(all, from, headEnd - from, ISO_8859_1);
        int status = statusOf(all, from);
        if (status < 0) return new Parsed(-1, from, -1, head); // not HTTP/1.x: read to the end
        int bodyStart = headEnd + 4;
        String lower = head.toLowerCase(Locale.ROOT);
        if (status == 204 || status == 304 || (status >= 100 && status < 200)) {
            return new Parsed(status >= 200 ? status : 0, from, bodyStart, head); // 100 Continue is not the answer
        }
        long length = -1;
        boolean chunked = false;
        for (String line : lower.split("\r\n")) {
            if (line.startsWith("content-length:")) {
                try {
                    length = Long.parseLong(line.substring(15).trim());
                } catch (NumberFormatException e) {
                    length = -1;
                }
            } else if (line.startsWith("transfer-encoding:") && line.contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            int end = indexOf(all, "\r\n0\r\n\r\n".getBytes(ISO_8859_1), bodyStart - 2);
            if (end < 0) return null;
            return new Parsed(status, from, end + 7, head);
        }
        if (length >= 0) {
            if (all.length < bodyStart + length) return null;
            return new Parsed(status, from, (int) (bodyStart + length), head);
        }
        return new Parsed(status, from, -1, head);
    }

    static int statusOf(byte[] all, int from) {
        // "HTTP/1.1 200 " at the start of an answer (any d.d version: Vert.x echoes an unsupported one).
        if (all.length - from < 12) return -1;
        String start = new String(all, from, 12, ISO_8859_1);
        if (!start.startsWith("HTTP/") || !Character.isDigit(start.charAt(5)) || start.charAt(6) != '.'
                || !Character.isDigit(start.charAt(7)) || start.charAt(8) != ' ') {
            return -1;
        }
        try {
            return Integer.parseInt(start.substring(9, 12));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String headOf(byte[] all, int from) {
        int end = indexOf(all, "\r\n\r\n".getBytes(ISO_8859_1), from);
        return new String(all, from, (end < 0 ? all.length : end) - from, ISO_8859_1);
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    /** An address literal, e.g. a loopback source address. */
    public static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
