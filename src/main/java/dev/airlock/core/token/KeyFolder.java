package dev.airlock.core.token;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.journal.PrivateFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The embedded {@link KeyStore}: {@code <data>/keys/<kid>.json}, owner-only, each written whole (temporary file,
 * fsync, rename) so that a crash or a full disk never leaves a truncated key file that stops every later start.
 * Files written before key rotation existed have no schedule: they count as published and activated when created.
 */
public final class KeyFolder implements KeyStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** RFC 7638 thumbprints are base64url; anything else in a file name or kid is not ours. */
    private static final Pattern KID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private final Path dir;

    private KeyFolder(Path dir) {
        this.dir = dir;
    }

    /** The key folder of a data directory, created owner-only if absent. */
    public static KeyFolder of(Path dataDir) throws IOException {
        Path dir = dataDir.resolve("keys");
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException notPosix) {
            // Windows and friends: rely on the data directory's ACLs.
        }
        return new KeyFolder(dir);
    }

    @Override
    public List<StoredKey> list() throws IOException {
        List<StoredKey> keys = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                try {
                    keys.add(read(f));
                } catch (NoSuchFileException deletedMeanwhile) {
                    // A retired key removed by another process between the listing and the read.
                }
            }
        }
        return keys;
    }

    @Override
    public void put(StoredKey key) throws IOException {
        ObjectNode file = JSON.createObjectNode();
        file.put("kid", requireKid(key.kid()));
        file.put("alg", key.algorithm().getName());
        file.put("created", key.publishedAt().toString());
        file.put("activates", key.activatesAt().toString());
        if (key.activatedAt() != null) file.put("activated", key.activatedAt().toString());
        file.put("sealed", Base64.getEncoder().encodeToString(key.sealed()));
        PrivateFiles.writeAtomically(dir.resolve(key.kid() + ".json"), JSON.writeValueAsBytes(file), true);
    }

    @Override
    public void remove(String kid) throws IOException {
        Files.deleteIfExists(dir.resolve(requireKid(kid) + ".json"));
    }

    private static StoredKey read(Path f) throws IOException {
        byte[] bytes = Files.readAllBytes(f);
        try {
            JsonNode node = JSON.readTree(bytes);
            String kid = requireKid(node.path("kid").asText());
            if (!f.getFileName().toString().equals(kid + ".json")) throw new IOException("file name is not its kid");
            Instant created = Instant.parse(node.path("created").asText());
            Instant activates = node.has("activates") ? Instant.parse(node.path("activates").asText()) : created;
            Instant activated = node.has("activated") ? Instant.parse(node.path("activated").asText())
                    : node.has("activates") ? null : created;
            return new StoredKey(kid, JWSAlgorithm.parse(node.path("alg").asText()), created, activates, activated,
                    Base64.getDecoder().decode(node.path("sealed").asText()));
        } catch (IOException | RuntimeException e) {
            throw new IOException(f + ": not a valid key file: " + e.getMessage());
        }
    }

    private static String requireKid(String kid) throws IOException {
        if (!KID.matcher(kid).matches()) throw new IOException("not a key id: " + kid.length() + " characters");
        return kid;
    }
}
