package dev.airlock.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.SmallDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Issue 13, finding 2: key files are written whole or not at all, and a start never re-keys over sealed keys. */
class MasterKeyTest {

    @Test
    void loadWhenDiskIsFullThenNoMasterKeyFileIsLeftAndALaterStartCreatesOne() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(1)) {
            Path data = Files.createDirectory(disk.root.resolve("data"));
            disk.fill();
            assertThrows(IOException.class, () -> MasterKey.load(data, null, new SecureRandom()));
            try (Stream<Path> left = Files.list(data)) {
                assertTrue(left.findAny().isEmpty(), "nothing half-written is left in the data directory");
            }
            disk.free();
            byte[] key = MasterKey.load(data, null, new SecureRandom());
            assertArrayEquals(key, MasterKey.load(data, null, new SecureRandom()));
        }
    }

    @Test
    void loadWhenMasterKeyIsMissingButSealedKeysExistThenRefusesToCreateANewOne() throws Exception {
        Path data = Files.createTempDirectory("airlock-mk");
        Files.createDirectories(data.resolve("keys"));
        Files.writeString(data.resolve("keys/abc.json"), "{}");
        IOException e = assertThrows(IOException.class, () -> MasterKey.load(data, null, new SecureRandom()));
        assertTrue(e.getMessage().contains("keys/abc.json"), e.getMessage());
        assertTrue(e.getMessage().contains("restore"), e.getMessage());
        assertFalse(Files.exists(data.resolve("master.key")));
    }

    @Test
    void loadWhenMasterKeyIsMissingButAuditKeyExistsThenRefuses() throws Exception {
        Path data = Files.createTempDirectory("airlock-mk");
        Files.writeString(data.resolve("audit.key"), "{}");
        assertThrows(IOException.class, () -> MasterKey.load(data, null, new SecureRandom()));
        assertFalse(Files.exists(data.resolve("master.key")));
    }
}
