package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where {@code airlock grants login} keeps the approver's session bearer: a small JSON file readable by its owner only
 * (0600, in a 0700 directory when we create it), written atomically, so a half-written file never holds a token and
 * no other local user can read one. The file also records the server URL: the bearer is only ever sent back to the
 * server that issued it, so a later {@code --url} typo cannot hand it to another host.
 *
 * <p>Location: {@code --session-file}, else {@code $AIRLOCK_OPS_SESSION_FILE}, else
 * {@code $XDG_STATE_HOME/airlock/ops-session} (XDG Base Directory spec: state that survives restarts but is not worth
 * backing up), else {@code ~/.local/state/airlock/ops-session}.
 */
final class OpsSessionFile {
    static final String ENV = "AIRLOCK_OPS_SESSION_FILE";
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    /** What a sign-in left behind. */
    record Session(String url, String name, String token) {}

    private OpsSessionFile() {}

    static Path resolve(Path option) {
        return option != null ? option : defaultPath(System.getenv(), System.getProperty("user.home"));
    }

    static Path defaultPath(Map<String, String> env, String home) {
        String explicit = env.get(ENV);
        if (explicit != null && !explicit.isBlank()) return Path.of(explicit);
        String state = env.get("XDG_STATE_HOME");
        // The XDG spec says a relative value is invalid and must be ignored.
        Path base = state != null && Path.of(state).isAbsolute() ? Path.of(state) : Path.of(home, ".local", "state");
        return base.resolve("airlock").resolve("ops-session");
    }

    static void write(Path file, Session s) throws CliFailure {
        ObjectNode json = AirlockHttp.JSON.createObjectNode().put("url", s.url()).put("name", s.name()).put("token", s.token());
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        try {
            if (!Files.isDirectory(dir)) Files.createDirectories(dir, posix(dir, OWNER_DIR));
            Files.deleteIfExists(tmp);
            try (SeekableByteChannel ch = Files.newByteChannel(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), posix(dir, OWNER_FILE))) {
                Channels.newOutputStream(ch).write(AirlockHttp.JSON.writeValueAsBytes(json));
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (FileAlreadyExistsException e) {
            throw new CliFailure(1, "cannot write " + file + ": " + tmp + " is in the way (another sign-in running?)");
        } catch (IOException e) {
            throw new CliFailure(1, "cannot write the session file " + file + ": " + e.getMessage());
        }
    }

    /**
     * The saved session. With {@code strict}, a file others can read is refused: its bearer must be treated as leaked
     * (sign out, which ends it on the server, then sign in again).
     */
    static Optional<Session> read(Path file, boolean strict) throws CliFailure {
        JsonNode json;
        try {
            if (strict && isPosix(file) && !OWNER_FILE.containsAll(Files.getPosixFilePermissions(file))) {
                throw new CliFailure(1, "session file " + file + " is readable by others; run 'airlock grants logout'"
                        + " (it ends the session) and sign in again");
            }
            json = AirlockHttp.JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CliFailure(1, "cannot read the session file " + file + ": " + e.getMessage());
        }
        String url = json.path("url").asText("");
        String token = json.path("token").asText("");
        if (url.isEmpty() || token.isEmpty()) {
            throw new CliFailure(1, "session file " + file + " is damaged; delete it and run 'airlock grants login'");
        }
        return Optional.of(new Session(url, json.path("name").asText(""), token));
    }

    static boolean delete(Path file) throws CliFailure {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new CliFailure(1, "cannot delete " + file + ": " + e.getMessage());
        }
    }

    private static boolean isPosix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static FileAttribute<?>[] posix(Path p, Set<PosixFilePermission> perms) {
        return isPosix(p) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(perms)} : new FileAttribute<?>[0];
    }
}
