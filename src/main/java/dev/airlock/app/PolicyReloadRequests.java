package dev.airlock.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.crypto.Hashes;
import dev.airlock.core.journal.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How {@code airlock policy reload} asks a running server to reload: a request file in the data directory, which the
 * server's periodic refresh takes, acts on, and answers with a result file naming the request. Authentication is the
 * data directory's: it is owner-only (checked at every start), so whoever can write the request could also edit the
 * keys and the journal; no network endpoint, no new credential, nothing reachable from another machine.
 */
public final class PolicyReloadRequests {
    static final String REQUEST = "policy-reload.request";
    static final String RESULT = "policy-reload.result";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** A request or result file larger than this is not ours and is not read. */
    private static final long MAX_FILE_BYTES = 64 * 1024;

    private PolicyReloadRequests() {}

    /** Files a request; returns its id, which the result will carry. */
    public static String request(Path dataDir, SecureRandom random) throws IOException {
        String nonce = Hashes.randomToken(random, 16);
        PrivateFiles.writeAtomically(dataDir.resolve(REQUEST), nonce.getBytes(StandardCharsets.UTF_8), true);
        return nonce;
    }

    /** Withdraws a request no server took (no server is running). */
    public static void withdraw(Path dataDir) throws IOException {
        Files.deleteIfExists(dataDir.resolve(REQUEST));
    }

    /** The server side: the pending request's id (removing the request), if there is one. */
    public static Optional<String> take(Path dataDir) throws IOException {
        Path f = dataDir.resolve(REQUEST);
        String nonce;
        try {
            if (Files.size(f) > MAX_FILE_BYTES) {
                Files.deleteIfExists(f);
                return Optional.of("");
            }
            nonce = Files.readString(f, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException none) {
            return Optional.empty();
        }
        Files.deleteIfExists(f);
        // A malformed id still asks for a reload; it just cannot be answered by name.
        return Optional.of(NONCE.matcher(nonce).matches() ? nonce : "");
    }

    /** The server side: records what the reload of request {@code nonce} did. */
    public static void answer(Path dataDir, String nonce, PolicyReload r) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("request", nonce);
        o.put("reloaded", r.reloaded());
        o.put("policy_hash_before", r.before());
        o.put("policy_hash", r.after());
        r.problems().forEach(o.putArray("problems")::add);
        PrivateFiles.writeAtomically(dataDir.resolve(RESULT), JSON.writeValueAsBytes(o), true);
    }

    /** The CLI side: the result of request {@code nonce}, once the server wrote it. */
    public static Optional<PolicyReload> result(Path dataDir, String nonce) throws IOException {
        Path f = dataDir.resolve(RESULT);
        JsonNode o;
        try {
            if (Files.size(f) > MAX_FILE_BYTES) return Optional.empty();
            o = JSON.readTree(Files.readAllBytes(f));
        } catch (NoSuchFileException none) {
            return Optional.empty();
        }
        if (!nonce.equals(o.path("request").asText())) return Optional.empty();
        List<String> problems = new ArrayList<>();
        o.path("problems").forEach(p -> problems.add(p.asText()));
        return Optional.of(new PolicyReload(o.path("reloaded").asBoolean(), o.path("policy_hash_before").asText(),
                o.path("policy_hash").asText(), problems));
    }
}
