package dev.airlock.core.crypto;

import dev.airlock.core.journal.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.DirectoryStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The key that seals secrets at rest. Taken from {@code AIRLOCK_MASTER_KEY} (base64 of 32 bytes) when set, which is
 * how a real deployment keeps it apart from the data directory (a secret mount, a KMS-fed variable). Otherwise it is
 * {@code <data>/master.key}, created with owner-only permissions: that protects keys in a copied backup of the journal
 * and keys folder, not against someone who can read the whole data directory. docs/decisions.md says so.
 */
public final class MasterKey {
    public static final String ENV = "AIRLOCK_MASTER_KEY";
    private static final String FILE = "master.key";

    private MasterKey() {}

    public static byte[] load(Path dataDir, String envValue, SecureRandom random) throws IOException {
        if (envValue != null && !envValue.isBlank()) return decode(envValue.trim(), ENV);
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            refuseIfSealedKeysExist(dataDir, file);
            byte[] key = new byte[32];
            random.nextBytes(key);
            PrivateFiles.createDataDirectory(dataDir);
            try {
                PrivateFiles.writeAtomically(file,
                        (Base64.getEncoder().encodeToString(key) + "\n").getBytes(StandardCharsets.US_ASCII), false);
                return key;
            } catch (FileAlreadyExistsException raced) {
                // Another process created it first: use theirs.
            }
        }
        PrivateFiles.requireOwnerOnlyReadable(file, "the master key that unseals the signing keys and TOTP secrets");
        return decode(Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString());
    }

    /**
     * A new master key next to keys sealed under another one would leave those keys unreadable for good and the
     * server running on fresh ones (old tokens unverifiable, TOTP secrets lost): a missing {@code master.key} with
     * sealed keys present is a restore or a mount that went wrong, which a person must fix.
     */
    private static void refuseIfSealedKeysExist(Path dataDir, Path file) throws IOException {
        List<String> sealed = new ArrayList<>();
        Path keys = dataDir.resolve("keys");
        if (Files.isDirectory(keys)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(keys, "*.json")) {
                for (Path f : files) sealed.add(dataDir.relativize(f).toString());
            }
        }
        if (Files.exists(dataDir.resolve("audit.key"))) sealed.add("audit.key");
        if (!sealed.isEmpty()) {
            Collections.sort(sealed);
            throw new IOException("refusing to create a new master key: " + file + " is missing but "
                    + String.join(", ", sealed) + " are sealed under a master key; restore " + file
                    + " (or set " + ENV + ") instead of starting with a new one");
        }
    }

    private static byte[] decode(String b64, String source) throws IOException {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + " is not base64");
        }
        if (key.length != 32) throw new IOException(source + " must hold 32 bytes, found " + key.length);
        return key;
    }
}
