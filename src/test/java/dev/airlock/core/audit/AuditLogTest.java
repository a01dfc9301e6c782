package dev.airlock.core.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {

    static final String ZEROS = "0".repeat(64);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    final MutableClock clock = MutableClock.at("2030-01-02T03:04:05Z");

    @Test
    void firstLineHasSeqOneGenesisPrevAndFixedFieldOrder() throws Exception {
        Path file = dir.resolve("audit.log");
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.append(AuditEvent.of("token.minted").with("agent", "ci-bot").with("ttl", 300)
                    .with("scopes", List.of("repo:read", "repo:write")).with("ok", true).build()).get(5, TimeUnit.SECONDS);
        }
        String line = Files.readAllLines(file, UTF_8).get(0);
        String unsealed = "{\"seq\":1,\"ts\":\"2030-01-02T03:04:05.000Z\",\"type\":\"token.minted\",\"agent\":\"ci-bot\","
                + "\"ttl\":300,\"scopes\":[\"repo:read\",\"repo:write\"],\"ok\":true,\"prev\":\"" + ZEROS + "\"}";
        assertEquals(unsealed.substring(0, unsealed.length() - 1) + ",\"hash\":\"" + sha256(unsealed) + "\"}", line);
    }

    @Test
    void parentDirectoriesAreCreated() throws Exception {
        Path file = dir.resolve("nested/data/audit.log");
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.append(AuditEvent.of("x").build()).get(5, TimeUnit.SECONDS);
        }
        assertEquals(1, Files.readAllLines(file).size());
    }

    @Test
    void thousandConcurrentAppendsFormOneValidChain() throws Exception {
        Path file = dir.resolve("audit.log");
        try (AuditLog log = AuditLog.open(file, clock)) {
            List<CompletableFuture<Void>> futures = appendConcurrently(log, 8, 125, "grant.approved");
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertEquals(1000, log.appendedCount());
        }
        AuditVerification result = AuditVerifier.verify(file);
        assertTrue(result.ok(), () -> result.problem().orElseThrow().message());
        assertEquals(1000, result.events());
    }

    @Test
    void aNewlineInAFieldStaysInsideOneLine() throws Exception {
        Path file = dir.resolve("audit.log");
        String forged = "x\"}\n{\"seq\":2,\"ts\":\"2030-01-01T00:00:00.000Z\",\"type\":\"token.revoked\",\"prev\":\""
                + ZEROS + "\",\"hash\":\"" + ZEROS + "\"}\r\u001b[2J";
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.append(AuditEvent.of("token.minted").with("agent", forged).build()).get(5, TimeUnit.SECONDS);
        }
        List<String> lines = Files.readAllLines(file, UTF_8);
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).contains("\\n") && lines.get(0).contains("\\r") && lines.get(0).contains("\\u001B"));
        assertEquals(forged, JSON.readTree(lines.get(0)).get("agent").asText());
        assertTrue(AuditVerifier.verify(file).ok());
    }

    @Test
    void reservedFieldNamesAndUnsupportedValuesAreRejectedAtAppend() throws Exception {
        try (AuditLog log = AuditLog.open(dir.resolve("audit.log"), clock)) {
            for (String reserved : List.of("seq", "ts", "type", "prev", "hash")) {
                assertThrows(IllegalArgumentException.class,
                        () -> log.append(AuditEvent.of("x").with(reserved, "v").build()), reserved);
            }
            List<Object> bad = new ArrayList<>(List.of(Map.of("k", "v"), List.of(List.of("nested")), Double.NaN,
                    new Object(), List.of(Map.of())));
            for (Object value : bad) {
                assertThrows(IllegalArgumentException.class,
                        () -> log.append(AuditEvent.of("x").with("field", value).build()), String.valueOf(value));
            }
            Map<String, Object> withNull = new java.util.HashMap<>();
            withNull.put("field", null);
            assertThrows(IllegalArgumentException.class, () -> log.append(new AuditEvent("x", withNull)));
            assertEquals(0, log.appendedCount());
        }
    }

    @Test
    void reopeningContinuesTheChainWithTheNextSeqAndPrev() throws Exception {
        Path file = dir.resolve("audit.log");
        try (AuditLog log = AuditLog.open(file, clock)) {
            for (int i = 0; i < 3; i++) log.append(AuditEvent.of("a").with("i", i).build()).get(5, TimeUnit.SECONDS);
        }
        String thirdHash = JSON.readTree(Files.readAllLines(file).get(2)).get("hash").asText();
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.append(AuditEvent.of("b").build()).get(5, TimeUnit.SECONDS);
            assertEquals(1, log.appendedCount());
        }
        JsonNode fourth = JSON.readTree(Files.readAllLines(file).get(3));
        assertEquals(4, fourth.get("seq").asLong());
        assertEquals(thirdHash, fourth.get("prev").asText());
        assertTrue(AuditVerifier.verify(file).ok());
    }

    @Test
    void serverAndCliInstancesOnOneFileStillProduceOneValidChain() throws Exception {
        Path file = dir.resolve("audit.log");
        try (AuditLog server = AuditLog.open(file, clock); AuditLog cli = AuditLog.open(file, clock)) {
            List<CompletableFuture<Void>> futures = new ArrayList<>(appendConcurrently(server, 4, 100, "server"));
            futures.addAll(appendConcurrently(cli, 4, 100, "cli"));
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
        AuditVerification result = AuditVerifier.verify(file);
        assertTrue(result.ok(), () -> result.problem().orElseThrow().message());
        assertEquals(800, result.events());
    }

    @Test
    void aTornLastLineIsRemovedAtOpenAndTheChainContinuesAfterTheLastWholeLine() throws Exception {
        Path file = dir.resolve("audit.log");
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.append(AuditEvent.of("a").build()).get(5, TimeUnit.SECONDS);
        }
        Files.writeString(file, "{\"seq\":2,\"ts\":\"20", java.nio.file.StandardOpenOption.APPEND);
        try (AuditLog log = AuditLog.open(file, clock)) {
            assertEquals(1, log.recoveryNotes().size());
            log.append(AuditEvent.of("b").build()).get(5, TimeUnit.SECONDS);
        }
        AuditVerification result = AuditVerifier.verify(file);
        assertTrue(result.ok(), () -> result.problem().orElseThrow().message());
        assertEquals(2, result.events());
    }

    /** Issue 13, finding 3: a read-only command used to cut the damaged end, and a failing verify then passed. */
    @Test
    void openReadOnlyNeverRepairsSoAFailingVerifyStaysFailing() throws Exception {
        Path file = dir.resolve("audit.log");
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.append(AuditEvent.of("a").build()).get(5, TimeUnit.SECONDS);
        }
        Files.writeString(file, "{\"seq\":2,\"ts\":\"20", java.nio.file.StandardOpenOption.APPEND);
        assertFalse(AuditVerifier.verify(file).ok());
        try (AuditLog log = AuditLog.openReadOnly(file, clock)) {
            assertEquals(1, log.recoveryNotes().size());
        }
        assertFalse(AuditVerifier.verify(file).ok(), "still failing: nothing was repaired");
    }

    @Test
    void aRepairIsRecordedAsAStorageRepairedEventWithOffsetLengthSha256AndWhereTheBytesWent() throws Exception {
        Path file = dir.resolve("audit.log");
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.append(AuditEvent.of("a").build()).get(5, TimeUnit.SECONDS);
        }
        long offset = Files.size(file);
        String torn = "{\"seq\":2,\"ts\":\"20";
        Files.writeString(file, torn, java.nio.file.StandardOpenOption.APPEND);
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.recordRepairs(log.repairs()).get(5, TimeUnit.SECONDS);
        }
        assertTrue(AuditVerifier.verify(file).ok());
        List<String> lines = Files.readAllLines(file);
        com.fasterxml.jackson.databind.JsonNode event = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(lines.get(1));
        assertEquals("storage.repaired", event.path("type").asText());
        assertEquals("audit.log", event.path("file").asText());
        assertEquals(offset, event.path("offset").asLong());
        assertEquals(torn.length(), event.path("length").asLong());
        assertEquals(dev.airlock.core.crypto.Hashes.sha256Hex(torn), event.path("sha256").asText());
        assertEquals("moved_aside", event.path("action").asText());
        assertEquals(torn, Files.readString(dir.resolve(event.path("moved_to").asText())));
    }

    @Test
    void appendingAfterALastLineThatIsNotARecordFailsClosed() throws Exception {
        Path file = dir.resolve("audit.log");
        Files.writeString(file, "this is not json\n");
        assertThrows(java.io.IOException.class, () -> AuditLog.open(file, clock));
    }

    @Test
    void appendAfterCloseFailsWithIllegalState() throws Exception {
        AuditLog log = AuditLog.open(dir.resolve("audit.log"), clock);
        log.close();
        CompletionException e = assertThrows(CompletionException.class, () -> log.append(AuditEvent.of("x").build()).join());
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    static List<CompletableFuture<Void>> appendConcurrently(AuditLog log, int threads, int each, String type)
            throws Exception {
        List<CompletableFuture<Void>> futures = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        futures.add(log.append(AuditEvent.of(type).with("thread", thread).with("i", i).build()));
                    }
                }));
            }
            for (Future<?> f : done) f.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdown();
        }
        return futures;
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(UTF_8)));
    }
}
