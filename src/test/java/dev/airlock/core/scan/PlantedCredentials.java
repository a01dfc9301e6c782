package dev.airlock.core.scan;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Random;

/**
 * Credentials of every detected format, made at test time so that the repository holds none (a committed fixture
 * would itself trip GitHub's secret scanning, and teach readers to commit look-alikes). A fixed seed keeps every run
 * the same: random text of a real token's alphabet now and then spells a placeholder word, and a test must not
 * flicker on it.
 */
public final class PlantedCredentials {
    public static final String BASE62 = Base62Crc.ALPHABET;
    public static final String BASE64URL = BASE62 + "-_";
    static final String BASE32_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private final Random random;

    public PlantedCredentials(long seed) {
        this.random = new Random(seed);
    }

    public String chars(String alphabet, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        return b.toString();
    }

    /** A GitHub token with a valid checksum ({@code prefix} such as {@code ghp_}). */
    public String github(String prefix) {
        String entropy = chars(BASE62, 30);
        return prefix + entropy + Base62Crc.checksum(entropy);
    }

    /** The same with its checksum's last character changed: a look-alike. */
    public String githubWithBadChecksum() {
        String t = github("ghp_");
        char last = t.charAt(t.length() - 1);
        return t.substring(0, t.length() - 1) + (last == 'A' ? 'B' : 'A');
    }

    public String githubFineGrained() {
        return "github_pat_" + chars(BASE62, 22) + "_" + chars(BASE62, 59);
    }

    public String npm() {
        String entropy = chars(BASE62, 30);
        return "npm_" + entropy + Base62Crc.checksum(entropy);
    }

    public String awsKeyId() {
        return "AKIA" + chars(BASE32_UPPER, 16);
    }

    public String awsSecret() {
        return chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10) + chars("abcdefghijklmnopqrstuvwxyz", 10)
                + chars("0123456789", 10) + chars(BASE62 + "/+", 10);
    }

    public String slack() {
        return "xoxb-" + chars("0123456789", 12) + "-" + chars("0123456789", 13) + "-" + chars(BASE62, 24);
    }

    public String stripe() {
        return "sk_" + "live_" + chars(BASE62, 32);
    }

    public String gitlab() {
        return "glpat-" + chars(BASE62, 20);
    }

    public String pypi() {
        return "pypi-AgEIcHlwaS5vcmc" + chars(BASE64URL, 80);
    }

    public String google() {
        return "AIza" + chars(BASE64URL, 35);
    }

    public String airlockSecret() {
        return "airlock_sk_" + chars(BASE64URL, 43);
    }

    public String uuid() {
        String h = "0123456789abcdef";
        return chars(h, 8) + "-" + chars(h, 4) + "-" + chars(h, 4) + "-" + chars(h, 4) + "-" + chars(h, 12);
    }

    /** A signed-looking JWT: real JSON header and payload, random signature. */
    public String jwt() {
        Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
        return e.encodeToString("{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + e.encodeToString(("{\"sub\":\"deploy-bot\",\"exp\":" + (1_900_000_000L + random.nextInt(1000)) + "}")
                        .getBytes(StandardCharsets.UTF_8)) + "." + chars(BASE64URL, 86);
    }

    /** A real EC private key in PKCS#8 PEM, as lines. */
    public static String pemPrivateKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(256);
            String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(g.generateKeyPair().getPrivate().getEncoded());
            return "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
