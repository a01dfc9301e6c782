package dev.airlock.core.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a provider's real credential comes from. Never the credential itself: provider files live in git, and a
 * secret in git is the leaked, account-wide token this project exists to take away from agents. Nothing here
 * prints a credential; messages name only where it was looked for.
 */
public sealed interface CredentialSource permits CredentialSource.FromEnv, CredentialSource.FromFile {
    /** POSIX-style names; lower case is refused so that {@code env: sk-live-...} cannot pass as a name. */
    Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,127}");
    /** A credential file holds one token, not a keystore. */
    int MAX_FILE_BYTES = 16 * 1024;

    /**
     * Reads the credential now.
     *
     * @param environment the process environment ({@code System.getenv()} in production)
     * @throws Unavailable if it is absent, empty, or not a single line of printable text
     */
    String resolve(Map<String, String> environment) throws Unavailable;

    /** {@code credential: {env: RAILWAY_TOKEN}}. */
    record FromEnv(String variable) implements CredentialSource {
        public FromEnv {
            Objects.requireNonNull(variable, "variable");
            if (!ENV_NAME.matcher(variable).matches()) throw new IllegalArgumentException("malformed variable name");
        }

        @Override
        public String resolve(Map<String, String> environment) throws Unavailable {
            return checked(environment.get(variable), "environment variable " + variable);
        }

        @Override
        public String toString() {
            return "env " + variable;
        }
    }

    /** {@code credential: {file: /run/secrets/railway}}; one trailing newline is ignored. */
    record FromFile(Path path) implements CredentialSource {
        public FromFile {
            Objects.requireNonNull(path, "path");
            if (!path.isAbsolute()) throw new IllegalArgumentException("the path must be absolute");
        }

        @Override
        public String resolve(Map<String, String> environment) throws Unavailable {
            String where = "file " + path;
            try {
                if (Files.size(path) > MAX_FILE_BYTES) throw new Unavailable(where + " is larger than " + MAX_FILE_BYTES + " bytes");
                String text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(Files.readAllBytes(path))).toString();
                if (text.endsWith("\r\n")) text = text.substring(0, text.length() - 2);
                else if (text.endsWith("\n")) text = text.substring(0, text.length() - 1);
                return checked(text, where);
            } catch (CharacterCodingException e) {
                throw new Unavailable(where + " is not UTF-8");
            } catch (java.nio.file.NoSuchFileException e) {
                throw new Unavailable(where + " does not exist");
            } catch (java.nio.file.AccessDeniedException e) {
                throw new Unavailable(where + " is not readable by the Airlock process");
            } catch (IOException e) {
                throw new Unavailable(where + " cannot be read (" + e.getClass().getSimpleName() + ")");
            }
        }

        @Override
        public String toString() {
            return "file " + path;
        }
    }

    /**
     * Only printable ASCII: a CR or LF in a credential would let it end the header it is injected into and add
     * others (RFC 9110 §5.5 field values).
     */
    private static String checked(String value, String where) throws Unavailable {
        if (value == null) throw new Unavailable(where + " is not set");
        if (value.isEmpty()) throw new Unavailable(where + " is empty");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E) throw new Unavailable(where + " holds a character that cannot go in a header");
        }
        return value;
    }

    /** The credential cannot be had; the message says where it was looked for, never what was found. */
    final class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }
}
