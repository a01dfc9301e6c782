package dev.airlock.harness;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mixed load for the fault suite: each worker mints a staging token, checks it, and revokes every third one. Every
 * answer is tallied by status; a 503 without {@code Retry-After} and any other 5xx are counted apart (the faults must
 * be refused as 503 + Retry-After, never as a 500). Acknowledged changes (a 200 mint, a 200 revocation) are kept, so
 * that afterwards each can be looked for in the audit log and, for revocations, through introspection.
 */
final class FaultLoad {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final String base;
    private final String basic;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> workers = new ArrayList<>();
    private final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong other5xx = new AtomicLong();
    final AtomicLong unavailableWithoutRetryAfter = new AtomicLong();
    final AtomicLong transportErrors = new AtomicLong();
    final Set<String> minted = ConcurrentHashMap.newKeySet();
    final Set<String> revoked = ConcurrentHashMap.newKeySet();

    FaultLoad(String base, String basic) {
        this.base = base;
        this.basic = basic;
    }

    /** Starts the workers; may be called again after {@link #stopAndJoin()}, the tallies carry on. */
    void start(int threads) {
        stop.set(false);
        workers.clear();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::run, "fault-load-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    void stopAndJoin() throws InterruptedException {
        stop.set(true);
        for (Thread t : workers) t.join(30_000);
    }

    private void run() {
        long n = 0;
        while (!stop.get()) {
            try {
                HttpResponse<String> m = send(post("/oauth2/token", "application/x-www-form-urlencoded",
                        "grant_type=client_credentials&environment=staging&scope=db%3Aread").header("Authorization",
                        basic));
                if (m.statusCode() != 200) continue;
                String token = HarnessClient.JSON.readTree(m.body()).path("access_token").asText();
                minted.add(HarnessClient.jti(token));
                send(post("/v1/check", "application/json", "{\"token\":\"" + token
                        + "\",\"environment\":\"staging\",\"action\":\"db:read\"}"));
                if (n++ % 3 == 0) {
                    HttpResponse<String> r = send(post("/oauth2/revoke", "application/x-www-form-urlencoded",
                            "token=" + token).header("Authorization", basic));
                    if (r.statusCode() == 200) revoked.add(HarnessClient.jti(token));
                }
            } catch (IOException e) {
                transportErrors.incrementAndGet();
                pause();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpRequest.Builder post(String path, String type, String body) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15))
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body, UTF_8));
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        record(r.statusCode(), r.headers().firstValue("Retry-After").isPresent());
        return r;
    }

    /** Tallies one answer (also for callers that send their own requests). */
    void record(int status, boolean retryAfter) {
        requests.incrementAndGet();
        statuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
        if (status == 503 && !retryAfter) unavailableWithoutRetryAfter.incrementAndGet();
        if (status >= 500 && status != 503) other5xx.incrementAndGet();
    }

    /** The counts by status so far, to tell one phase of a run from another ({@link #byStatusSince}). */
    Map<Integer, Long> snapshot() {
        Map<Integer, Long> sorted = new TreeMap<>();
        statuses.forEach((k, v) -> sorted.put(k, v.get()));
        return sorted;
    }

    /** Answers by status since {@code before}, e.g. {@code 200: 12, 503: 1200}. */
    String byStatusSince(Map<Integer, Long> before) {
        StringBuilder sb = new StringBuilder();
        snapshot().forEach((k, v) -> {
            long n = v - before.getOrDefault(k, 0L);
            if (n > 0) sb.append(sb.length() == 0 ? "" : ", ").append(k).append(": ").append(n);
        });
        return sb.toString();
    }

    /** Answers by status, e.g. {@code 200: 5012, 503: 1200}. */
    String byStatus() {
        StringBuilder sb = new StringBuilder();
        snapshot().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(": ").append(v));
        if (transportErrors.get() > 0) sb.append(", no answer: ").append(transportErrors.get());
        return sb.toString();
    }

    long count(int status) {
        AtomicLong v = statuses.get(status);
        return v == null ? 0 : v.get();
    }

    /**
     * Acknowledged changes not on record: a mint without its {@code token.minted} line, a revocation without its
     * {@code token.revoked} line (the crash harness also checks revocations through the server; here the log).
     */
    List<String> missing(Path auditLog) throws IOException {
        Set<String> mintedLines = ConcurrentHashMap.newKeySet();
        Set<String> revokedLines = ConcurrentHashMap.newKeySet();
        for (String line : Files.readAllLines(auditLog, UTF_8)) {
            if (line.isBlank()) continue;
            JsonNode e = HarnessClient.JSON.readTree(line);
            String type = e.path("type").asText();
            if (type.equals("token.minted")) mintedLines.add(e.path("jti").asText());
            if (type.equals("token.revoked")) revokedLines.add(e.path("jti").asText());
        }
        List<String> missing = new ArrayList<>();
        for (String jti : minted) if (!mintedLines.contains(jti)) missing.add("token.minted " + jti);
        for (String jti : revoked) if (!revokedLines.contains(jti)) missing.add("token.revoked " + jti);
        return missing;
    }
}
