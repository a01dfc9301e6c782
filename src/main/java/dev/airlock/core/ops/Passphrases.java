package dev.airlock.core.ops;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Passphrase hashing for ops accounts: Argon2id (RFC 9106) through BouncyCastle's lightweight API, stored as a PHC
 * string {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (B64 without padding, as the PHC format specifies).
 *
 * <p>New hashes use the OWASP Password Storage Cheat Sheet's first Argon2id configuration (19 MiB, 2 passes, one
 * lane). {@link #verify} reads the costs from the stored string, so raising them later leaves existing hashes
 * readable. Costs in a stored string are bounded: a corrupted or planted {@code m=2000000000} must not take the
 * process's memory.
 *
 * <p>A verification costs tens of milliseconds and as much memory: never call it on an event loop.
 */
public final class Passphrases {
    public static final int MEMORY_KIB = 19_456;
    public static final int ITERATIONS = 2;
    public static final int PARALLELISM = 1;
    public static final int SALT_BYTES = 16;
    public static final int HASH_BYTES = 32;

    /** Bounds on what a stored string may ask for (RFC 9106 §3.1 allows far more than any sane deployment uses). */
    static final int MAX_MEMORY_KIB = 1 << 20;
    static final int MAX_ITERATIONS = 16;
    static final int MAX_PARALLELISM = 16;

    /**
     * Generated passphrases: 25 symbols from 32 (digits 2-9 and capitals without I and O, which read like 1 and 0),
     * so 125 bits, in five dash-separated groups. Capitals also keep a passphrase pasted into a name field from
     * looking like an account name (names are lower case).
     */
    static final String ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    static final int GROUPS = 5;
    static final int GROUP_LENGTH = 5;

    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=([0-9]{1,10}),t=([0-9]{1,10}),p=([0-9]{1,10})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODER = Base64.getDecoder();

    private final SecureRandom random;
    private final int memoryKiB;
    private final int iterations;
    private final int parallelism;

    public Passphrases(SecureRandom random) {
        this(random, MEMORY_KIB, ITERATIONS, PARALLELISM);
    }

    /** Other costs for new hashes: tests use cheap ones. */
    Passphrases(SecureRandom random, int memoryKiB, int iterations, int parallelism) {
        if (!validCosts(memoryKiB, iterations, parallelism)) throw new IllegalArgumentException("invalid Argon2 costs");
        this.random = random;
        this.memoryKiB = memoryKiB;
        this.iterations = iterations;
        this.parallelism = parallelism;
    }

    /** A fresh salt and this instance's costs; the PHC string to store. */
    public String hash(char[] passphrase) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] hash = argon2(passphrase, salt, memoryKiB, iterations, parallelism, HASH_BYTES);
        return format(salt, hash);
    }

    /**
     * Whether {@code passphrase} matches the stored PHC string, with the costs the string names. A malformed string,
     * unsupported variant or version, or out-of-bounds cost is simply {@code false}: callers get a decision, never an
     * exception.
     */
    public boolean verify(char[] passphrase, String phc) {
        if (passphrase == null || phc == null) return false;
        Parsed p = parse(phc);
        if (p == null) return false;
        byte[] actual = argon2(passphrase, p.salt, p.memoryKiB, p.iterations, p.parallelism, p.hash.length);
        boolean same = MessageDigest.isEqual(actual, p.hash);
        Arrays.fill(actual, (byte) 0);
        return same;
    }

    /**
     * A well-formed string at this instance's costs that no passphrase is known to match (random salt and tag, no
     * hashing): verifying an unknown account's passphrase against it costs what a real verification costs.
     */
    String dummyHash() {
        byte[] salt = new byte[SALT_BYTES];
        byte[] tag = new byte[HASH_BYTES];
        random.nextBytes(salt);
        random.nextBytes(tag);
        return format(salt, tag);
    }

    private String format(byte[] salt, byte[] tag) {
        return "$argon2id$v=19$m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(tag);
    }

    /** A one-time passphrase of 125 random bits, e.g. {@code K7QXM-...}; the caller should clear it after use. */
    public static char[] generate(SecureRandom random) {
        char[] out = new char[GROUPS * GROUP_LENGTH + GROUPS - 1];
        int i = 0;
        for (int g = 0; g < GROUPS; g++) {
            if (g > 0) out[i++] = '-';
            for (int c = 0; c < GROUP_LENGTH; c++) out[i++] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        }
        return out;
    }

    /** The parts of a PHC string we accept, or null. */
    record Parsed(int memoryKiB, int iterations, int parallelism, byte[] salt, byte[] hash) {}

    static Parsed parse(String phc) {
        Matcher m = PHC.matcher(phc);
        if (!m.matches()) return null;
        try {
            long memory = Long.parseLong(m.group(1));
            long iterations = Long.parseLong(m.group(2));
            long parallelism = Long.parseLong(m.group(3));
            if (memory > MAX_MEMORY_KIB || iterations > MAX_ITERATIONS || parallelism > MAX_PARALLELISM) return null;
            if (!validCosts((int) memory, (int) iterations, (int) parallelism)) return null;
            byte[] salt = B64_DECODER.decode(m.group(4));
            byte[] hash = B64_DECODER.decode(m.group(5));
            // RFC 9106 §3.1: salt at least 8 bytes, tag at least 4; we want a real tag, not 4 bytes.
            if (salt.length < 8 || salt.length > 64 || hash.length < 16 || hash.length > 64) return null;
            // The decoder accepts trailing bits that no encoder produces: a string must be canonical, so that one
            // hash has one spelling.
            if (!B64.encodeToString(salt).equals(m.group(4)) || !B64.encodeToString(hash).equals(m.group(5))) return null;
            return new Parsed((int) memory, (int) iterations, (int) parallelism, salt, hash);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean validCosts(int memoryKiB, int iterations, int parallelism) {
        // RFC 9106 §3.1: memory at least 8 KiB per lane.
        return parallelism >= 1 && iterations >= 1 && memoryKiB >= 8 * parallelism;
    }

    private static byte[] argon2(char[] passphrase, byte[] salt, int memoryKiB, int iterations, int parallelism,
                                 int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKiB)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] out = new byte[length];
        byte[] password = utf8(passphrase);
        try {
            generator.generateBytes(password, out);
        } finally {
            Arrays.fill(password, (byte) 0);
        }
        return out;
    }

    /** UTF-8 without going through a String, so the passphrase is not left in an unclearable copy. */
    private static byte[] utf8(char[] chars) {
        java.nio.ByteBuffer b = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(chars));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        if (b.hasArray()) Arrays.fill(b.array(), (byte) 0);
        return out;
    }
}
