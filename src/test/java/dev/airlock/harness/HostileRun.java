package dev.airlock.harness;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import dev.airlock.harness.HostileRequests.Framing;
import dev.airlock.harness.HostileRequests.Hostile;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * Sends generated requests to a server from many workers and counts what comes back, by category and status. Every
 * answer of 500 or more is kept with the request that caused it (index, category, the bytes), so it can be generated
 * again alone from the seed. Also the slow-client phase: many connections that send a request a few bytes at a time,
 * held open while the caller checks the server still serves everyone else.
 *
 * <p>One kind of 501 is not counted as a server error: Vert.x 5 core answers a request line in an HTTP version
 * other than 1.0 or 1.1 ({@code GET / HTTP/1.2}, {@code HTTP/9.9}, {@code HtTP/1.1}) with a bare 501, before the
 * router or any Airlock code runs, and offers no hook to change it (its connection handler runs after the first
 * request is decoded; checked on 5.0.12). RFC 9110 §15.6.6 itself answers an unsupported major version with a 5xx
 * (505). These are counted as {@link #versionRefusals()} and reported; any other answer of 500 or more fails.
 */
public final class HostileRun {
    /** An answer of 500 or more, and what was sent. */
    public record ServerError(long index, String category, int status, String request, String answerHead) {}

    private final InetSocketAddress target;
    private final HostileRequests generator;
    private final Map<String, Map<Integer, LongAdder>> byCategory = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> unanswered = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<ServerError> errors = new ConcurrentLinkedQueue<>();
    private final LongAdder sent = new LongAdder();
    private final LongAdder answers = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder versionRefusals = new LongAdder();

    public HostileRun(InetSocketAddress target, HostileRequests generator) {
        this.target = target;
        this.generator = generator;
    }

    /**
     * Sends requests {@code from} to {@code to - 1}. {@code checkpoint} is called (from one worker) after every
     * {@code every} requests, for memory readings and control requests.
     */
    public void send(long from, long to, int workers, long every, LongConsumer checkpoint) throws Exception {
        AtomicLong next = new AtomicLong(from);
        AtomicLong done = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                futures.add(pool.submit(() -> {
                    long i;
                    while ((i = next.getAndIncrement()) < to) {
                        one(generator.generate(i));
                        long d = done.incrementAndGet();
                        if (every > 0 && d % every == 0) checkpoint.accept(d);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Hostile traffic comes from 127.0.1.1 to 127.0.1.250; the harness's own control requests never do. Where only
     * 127.0.0.1 is a loopback address (macOS), everything comes from it, and Airlock's per-address failure throttle may
     * then slow the control requests down too.
     */
    static InetAddress source(long index) {
        return WHOLE_LOOPBACK_NET ? RawHttp.address("127.0.1." + (1 + Math.floorMod(index, 250))) : null;
    }

    private static final boolean WHOLE_LOOPBACK_NET = canBind("127.0.1.1");

    private static boolean canBind(String address) {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(RawHttp.address(address), 0));
            return true;
        } catch (IOException e) {
            System.out.println("WARNING: cannot bind " + address + " (" + e.getMessage() + "): all hostile traffic"
                    + " comes from the default address");
            return false;
        }
    }

    private void one(Hostile h) {
        int wait = switch (h.framing()) {
            case COMPLETE -> 15_000;
            case MAYBE -> 1_000;
            case INCOMPLETE -> 3_000;
        };
        sent.increment();
        RawHttp.Exchange x;
        try {
            x = RawHttp.send(source(h.index()), target, h.bytes(), h.expect(), wait, h.framing() == Framing.INCOMPLETE);
        } catch (IOException e) {
            connectFailures.increment();
            unanswered.computeIfAbsent(h.category() + " (connect failed)", k -> new LongAdder()).increment();
            return;
        }
        if (!x.answered()) {
            unanswered.computeIfAbsent(h.category(), k -> new LongAdder()).increment();
            return;
        }
        answers.add(x.statuses().size());
        Map<Integer, LongAdder> m = byCategory.computeIfAbsent(h.category(), k -> new ConcurrentHashMap<>());
        for (int k = 0; k < x.statuses().size(); k++) {
            int status = x.statuses().get(k);
            if (status == 501 && vertxCoreVersionRefusal(x.heads().get(k))) {
                // Vert.x core's answer to a request line whose version it does not speak (Http1xServerRequestHandler):
                // before any route, with no hook to change it. Counted apart, never as Airlock's; see the class comment.
                versionRefusals.increment();
                m.computeIfAbsent(status, s -> new LongAdder()).increment();
                continue;
            }
            m.computeIfAbsent(status, s -> new LongAdder()).increment();
            if (status >= 500) {
                errors.add(new ServerError(h.index(), h.category(), status, printable(h.bytes(), 3000),
                        x.firstHead() == null ? "" : x.firstHead()));
            }
        }
    }

    // --- slow clients ---

    /** What the slow-client phase saw. */
    public record SlowResult(int opened, int closedByServer, int stillOpen) {}

    /**
     * Opens {@code n} connections that each send a request a few bytes at a time, and keeps them going for
     * {@code millis} while {@code meanwhile} runs (the caller's control requests); then closes them. Three kinds:
     * headers that never end, a declared body that trickles in, and a connection that sends nothing at all.
     */
    public SlowResult slowClients(int n, long millis, Runnable meanwhile) throws Exception {
        List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger closedByServer = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(n, 64));
        try {
            for (int k = 0; k < n; k++) {
                Socket s = new Socket();
                s.bind(new InetSocketAddress(source(10_000 + k), 0));
                s.connect(target, 5000);
                sockets.add(s);
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            List<Future<?>> futures = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                Socket s = sockets.get(k);
                int kind = k % 3;
                futures.add(pool.submit(() -> {
                    byte[] bytes = switch (kind) {
                        case 0 -> ("POST /v1/check HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s".repeat(4000)).getBytes(ISO_8859_1);
                        case 1 -> ("POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
                                + "urlencoded\r\nContent-Length: 10000\r\n\r\n" + "a".repeat(10000)).getBytes(ISO_8859_1);
                        default -> new byte[0];
                    };
                    try {
                        OutputStream out = s.getOutputStream();
                        int i = 0;
                        while (!stop.get() && System.nanoTime() < deadline) {
                            if (i < bytes.length) {
                                out.write(bytes[i++]);
                                out.flush();
                            }
                            Thread.sleep(50);
                        }
                    } catch (IOException e) {
                        closedByServer.incrementAndGet();
                    }
                    return null;
                }));
            }
            meanwhile.run();
            for (Future<?> f : futures) f.get();
        } finally {
            stop.set(true);
            pool.shutdownNow();
            int open = 0;
            for (Socket s : sockets) {
                if (!s.isClosed()) open++;
                try {
                    s.setSoLinger(true, 0);
                    s.close();
                } catch (IOException e) {
                    // already gone
                }
            }
            sockets.clear();
        }
        return new SlowResult(n, closedByServer.get(), n - closedByServer.get());
    }

    // --- results ---

    public long sent() {
        return sent.sum();
    }

    public long answers() {
        return answers.sum();
    }

    /**
     * Vert.x core's bare 501: no Content-Type (every answer of Airlock's has a JSON body, and Airlock never answers
     * 501), and for anything but HEAD an empty body; or a status line in a version other than HTTP/1.0 and 1.1, which
     * only that path echoes.
     */
    static boolean vertxCoreVersionRefusal(String head) {
        String version = head.substring(0, 8);
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) return true;
        String h = head.toLowerCase(java.util.Locale.ROOT);
        return !h.contains("content-type:") && (h.contains("content-length: 0") || !h.contains("content-length:"));
    }

    /** 501s of Vert.x core for request lines in an HTTP version other than 1.0 and 1.1 (not Airlock's code). */
    public long versionRefusals() {
        return versionRefusals.sum();
    }

    public long connectFailures() {
        return connectFailures.sum();
    }

    public List<ServerError> serverErrors() {
        return List.copyOf(errors);
    }

    /** Status -> count, over every category. */
    public Map<Integer, Long> statuses() {
        Map<Integer, Long> out = new TreeMap<>();
        byCategory.values().forEach(m -> m.forEach((s, c) -> out.merge(s, c.sum(), Long::sum)));
        return out;
    }

    /** Category -> (status -> count). */
    public Map<String, Map<Integer, Long>> byCategory() {
        Map<String, Map<Integer, Long>> out = new TreeMap<>();
        byCategory.forEach((cat, m) -> {
            Map<Integer, Long> s = new TreeMap<>();
            m.forEach((k, v) -> s.put(k, v.sum()));
            out.put(cat, s);
        });
        return out;
    }

    public Map<String, Long> unanswered() {
        Map<String, Long> out = new TreeMap<>();
        unanswered.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** The request as text a report can hold: printable ASCII as is, everything else as \xNN. */
    static String printable(byte[] b, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, max); i++) {
            int c = b[i] & 0xff;
            if (c == '\r') s.append("\\r");
            else if (c == '\n') s.append("\\n\n");
            else if (c >= 0x20 && c < 0x7f) s.append((char) c);
            else s.append(String.format("\\x%02x", c));
        }
        if (b.length > max) s.append("... (").append(b.length).append(" bytes)");
        return s.toString();
    }
}
