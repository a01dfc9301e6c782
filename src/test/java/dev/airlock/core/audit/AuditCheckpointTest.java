package dev.airlock.core.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.audit.AuditVerification.Kind;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, must-show 8: tamper evidence that survives write access. A signed log is written with a checkpoint every
 * five events, then attacked as someone who can write the file but does not hold the audit key would.
 */
class AuditCheckpointTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final SecureRandom RANDOM = new SecureRandom();
    static final int EVERY = 5;

    @TempDir
    Path dir;

    final MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
    Path file;
    AuditKey key;

    @BeforeEach
    void makeKey() throws Exception {
        file = dir.resolve("audit.log");
        key = newKey(dir.resolve("data"));
    }

    private AuditKey newKey(Path data) throws Exception {
        Files.createDirectories(data);
        byte[] master = new byte[32];
        RANDOM.nextBytes(master);
        return AuditKey.openOrCreate(data, new SecretBox(master, RANDOM), clock, RANDOM);
    }

    /** Twelve events: lines 1-5, checkpoint 6, 7-11, checkpoint 12, 13-14, and the closing checkpoint 15. */
    private List<String> writeSigned() throws Exception {
        try (AuditLog log = AuditLog.open(file, clock, key, EVERY)) {
            for (int i = 0; i < 12; i++) log.append(AuditEvent.of("token.minted").with("i", i).build()).get(5, TimeUnit.SECONDS);
        }
        return Files.readAllLines(file, UTF_8);
    }

    private AuditVerification verify(Set<String> pinned, String expect) throws Exception {
        return AuditVerifier.verify(file, pinned, expect);
    }

    private static void assertProblem(AuditVerification v, Kind kind, long line, String text) {
        assertTrue(v.problem().isPresent(), "verified although it should not: " + v);
        assertEquals(kind, v.problem().get().kind(), v.problem().get().message());
        assertEquals(line, v.problem().get().line(), v.problem().get().message());
        assertTrue(v.problem().get().message().contains(text), v.problem().get().message());
    }

    private static String type(String line) throws Exception {
        return JSON.readTree(line).path("type").asText();
    }

    private static final Pattern PREV = Pattern.compile("\"prev\":\"[0-9a-f]{64}\"");

    /** What anyone who can write the file can do: recompute prev and hash of every line from {@code from} on. */
    private static List<String> rechain(List<String> lines, int from) {
        List<String> out = new ArrayList<>(lines);
        for (int i = from; i < out.size(); i++) {
            String prev = i == 0 ? AuditFormat.GENESIS : AuditFormat.claimedHash(out.get(i - 1).getBytes(UTF_8));
            String line = out.get(i);
            String unsealed = line.substring(0, line.length() - AuditFormat.HASH_SUFFIX_LENGTH) + "}";
            Matcher m = PREV.matcher(unsealed);
            assertTrue(m.find(), unsealed);
            unsealed = m.replaceFirst("\"prev\":\"" + prev + "\"");
            out.set(i, AuditFormat.seal(unsealed, AuditFormat.sha256Hex(unsealed.getBytes(UTF_8))));
        }
        return out;
    }

    @Test
    void anUntouchedSignedLogVerifiesWithItsCheckpointsAndKey() throws Exception {
        List<String> lines = writeSigned();
        assertEquals(15, lines.size());
        for (int n : new int[] {6, 12, 15}) assertEquals(AuditFormat.CHECKPOINT, type(lines.get(n - 1)), "line " + n);

        AuditVerification v = verify(Set.of(key.fingerprint()), null);
        assertTrue(v.ok(), v.toString());
        assertEquals(15, v.events());
        assertEquals(new AuditVerification.Signing(3, Set.of(key.fingerprint()), 14, 0), v.signing());
    }

    @Test
    void editAndRecomputeEveryLaterHashIsCaughtAtTheNextCheckpoint() throws Exception {
        List<String> lines = writeSigned();
        lines.set(2, lines.get(2).replace("\"i\":2", "\"i\":20"));
        Files.write(file, rechain(lines, 2));
        assertTrue(AuditVerifier.verify(file).problem().map(p -> p.kind() == Kind.SIGNATURE).orElse(false));

        assertProblem(verify(Set.of(), null), Kind.SIGNATURE, 6, "the lines before it were rewritten");
    }

    @Test
    void editAndRecomputeWithTheCheckpointsSignedHashesMovedAlongIsCaughtByTheSignature() throws Exception {
        List<String> lines = writeSigned();
        lines.set(2, lines.get(2).replace("\"i\":2", "\"i\":20"));
        List<String> forged = rechain(lines, 2);
        for (int i = 3; i < forged.size(); i++) {
            JsonNode node = JSON.readTree(forged.get(i));
            if (!AuditFormat.CHECKPOINT.equals(node.path("type").asText())) continue;
            String before = AuditFormat.claimedHash(forged.get(i - 1).getBytes(UTF_8));
            lines.set(i, forged.get(i).replace(node.path("signed_hash").asText(), before));
            forged = rechain(lines, 2);
        }
        Files.write(file, forged);
        assertProblem(verify(Set.of(), null), Kind.SIGNATURE, 6, "signature does not verify");
    }

    @Test
    void reSigningWithAnotherKeyIsCaughtWhenTheKeyIsPinned() throws Exception {
        writeSigned();
        // The attacker rewrites the whole log and signs it with a key of their own.
        Files.delete(file);
        AuditKey theirs = newKey(dir.resolve("attacker"));
        try (AuditLog log = AuditLog.open(file, clock, theirs, EVERY)) {
            for (int i = 0; i < 12; i++) log.append(AuditEvent.of("token.minted").with("i", -i).build()).get(5, TimeUnit.SECONDS);
        }
        assertTrue(verify(Set.of(), null).ok(), "unpinned, any key will do: which is why the fingerprint is printed");
        assertProblem(verify(Set.of(key.fingerprint()), null), Kind.KEY, 6, "not by the pinned key");
    }

    @Test
    void strippingEveryCheckpointIsCaughtWhenTheKeyIsPinned() throws Exception {
        List<String> lines = new ArrayList<>(writeSigned());
        lines.removeIf(l -> l.contains("\"type\":\"" + AuditFormat.CHECKPOINT + "\""));
        List<String> renumbered = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) renumbered.add(lines.get(i).replaceFirst("\"seq\":\\d+", "\"seq\":" + (i + 1)));
        Files.write(file, rechain(renumbered, 0));
        assertTrue(verify(Set.of(), null).ok());

        AuditVerification pinned = verify(Set.of(key.fingerprint()), null);
        assertEquals(Kind.KEY, pinned.problem().orElseThrow().kind());
        assertTrue(pinned.problem().get().message().contains("the log has no checkpoint"));
    }

    @Test
    void aTruncationAfterTheLastCheckpointIsCaughtAgainstAHeadRecordedElsewhere() throws Exception {
        writeSigned();
        // The CLI appends while no server runs: not signed yet.
        try (AuditLog cli = AuditLog.open(file, clock)) {
            for (int i = 0; i < 3; i++) cli.append(AuditEvent.of("token.revoked").with("i", i).build()).get(5, TimeUnit.SECONDS);
        }
        AuditVerification before = verify(Set.of(key.fingerprint()), null);
        assertEquals(3, before.signing().unsignedAfter());
        String head = before.lastHash(); // e.g. printed by 'airlock audit verify' and kept by a cron job elsewhere

        List<String> lines = Files.readAllLines(file, UTF_8);
        Files.write(file, lines.subList(0, lines.size() - 2));
        assertTrue(verify(Set.of(key.fingerprint()), null).ok(), "what is left is a valid, signed chain");
        AuditVerification v = verify(Set.of(key.fingerprint()), head);
        assertEquals(Kind.HEAD_MISSING, v.problem().orElseThrow().kind());
        assertTrue(v.problem().get().message().contains("no line has the expected hash " + head), v.toString());
    }

    @Test
    void openingALogWhoseLastLineIsNotACheckpointSignsItAtOnce() throws Exception {
        try (AuditLog cli = AuditLog.open(file, clock)) {
            cli.append(AuditEvent.of("agent.secret_issued").build()).get(5, TimeUnit.SECONDS);
        }
        try (AuditLog server = AuditLog.open(file, clock, key, EVERY)) {
            // nothing appended: the checkpoint at open is the only one, and close has nothing new to sign
        }
        List<String> lines = Files.readAllLines(file, UTF_8);
        assertEquals(2, lines.size());
        assertEquals(AuditFormat.CHECKPOINT, type(lines.get(1)));
        assertEquals(1, verify(Set.of(key.fingerprint()), null).signing().checkpoints());
    }

    @Test
    void eachCheckpointIsShippedAsOneLogLineWhoseHashVerifiesAsTheExpectedHead() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StreamHandler handler = new StreamHandler(bytes, new SimpleFormatter());
        Logger shipped = Logger.getLogger(AuditLog.SHIPPED_LOGGER);
        shipped.addHandler(handler);
        try {
            writeSigned();
        } finally {
            handler.flush();
            shipped.removeHandler(handler);
        }
        Matcher m = Pattern.compile("audit checkpoint (\\{.*\\})").matcher(bytes.toString(UTF_8));
        List<JsonNode> lines = new ArrayList<>();
        while (m.find()) lines.add(JSON.readTree(m.group(1)));
        assertEquals(3, lines.size(), bytes.toString(UTF_8));
        JsonNode last = lines.get(2);
        assertEquals(15, last.path("seq").asLong());
        assertEquals(key.fingerprint(), last.path("key").asText());
        assertTrue(verify(Set.of(key.fingerprint()), last.path("hash").asText()).ok());
        assertNotEquals(last.path("hash").asText(), last.path("signed_hash").asText());
    }

    @Test
    void theCheckpointMadeAtCloseIsKeptForACallerToCopyOutWhenLoggingHasStopped() throws Exception {
        AuditLog log = AuditLog.open(file, clock, key, EVERY);
        log.append(AuditEvent.of("token.minted").build()).get(5, TimeUnit.SECONDS);
        assertTrue(log.lastCheckpoint().isEmpty());
        log.close();
        JsonNode last = JSON.readTree(log.lastCheckpoint().orElseThrow());
        List<String> lines = Files.readAllLines(file, UTF_8);
        assertEquals(JSON.readTree(lines.get(lines.size() - 1)).path("hash").asText(), last.path("hash").asText());
    }

    @Test
    void noCallerCanWriteALineThatPassesForACheckpoint() throws Exception {
        try (AuditLog log = AuditLog.open(file, clock, key, EVERY)) {
            assertThrows(IllegalArgumentException.class,
                    () -> log.append(AuditEvent.of(AuditFormat.CHECKPOINT).with("sig", "x").build()));
        }
    }

    @Test
    void theKeyReadsBackFromItsSealedFileAndRefusesAnotherMasterKey() throws Exception {
        Path data = dir.resolve("data");
        byte[] master = new byte[32];
        RANDOM.nextBytes(master);
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        AuditKey made = AuditKey.openOrCreate(other, new SecretBox(master, RANDOM), clock, RANDOM);
        assertEquals(made.fingerprint(), AuditKey.openOrCreate(other, new SecretBox(master, RANDOM), clock, RANDOM)
                .fingerprint());
        byte[] wrong = master.clone();
        wrong[0] ^= 1;
        assertThrows(java.io.IOException.class,
                () -> AuditKey.openOrCreate(other, new SecretBox(wrong, RANDOM), clock, RANDOM));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(other.resolve(AuditKey.FILE))));
        assertTrue(Files.exists(data.resolve(AuditKey.FILE)));
    }
}
