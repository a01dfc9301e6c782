package dev.airlock.core.crypto;

import dev.airlock.core.journal.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
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
            byte[] key = new byte[32];
            random.nextBytes(key);
            PrivateFiles.createDataDirectory(dataDir);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n", StandardOpenOption.WRITE,
                        StandardOpenOption.SYNC);
                return key;
            } catch (FileAlreadyExistsException raced) {
                // Another process created it first: use theirs.
            } catch (UnsupportedOperationException noPosix) {
                Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n", StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.SYNC);
                return key;
            }
        }
        PrivateFiles.requireOwnerOnlyReadable(file, "the master key that unseals the signing keys and TOTP secrets");
        return decode(Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString());
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
