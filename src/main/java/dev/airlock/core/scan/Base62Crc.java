package dev.airlock.core.scan;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The checksum GitHub put into its token formats in 2021 and npm adopted the same year: a token is a prefix, 30
 * random base62 characters, and the CRC32 of those 30 characters in base62 (alphabet 0-9A-Za-z), left-padded with
 * '0' to 6 characters (github.blog 2021-04-05 "Behind GitHub's new authentication token formats"). It lets a scanner
 * tell a real token from a string of the same shape with no false positive worth mentioning: 1 in 2^32 random
 * look-alikes pass.
 */
final class Base62Crc {
    static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static final int CHECKSUM_CHARS = 6;

    private Base62Crc() {}

    /** The 6-character checksum of {@code entropy}. */
    static String checksum(String entropy) {
        CRC32 crc = new CRC32();
        crc.update(entropy.getBytes(StandardCharsets.US_ASCII));
        long n = crc.getValue();
        char[] out = new char[CHECKSUM_CHARS];
        for (int i = CHECKSUM_CHARS - 1; i >= 0; i--) {
            out[i] = ALPHABET.charAt((int) (n % 62));
            n /= 62;
        }
        return new String(out);
    }

    /** True if the last 6 characters of {@code token} are the checksum of what lies between the prefix and them. */
    static boolean valid(String token, int prefixLength) {
        if (token.length() < prefixLength + CHECKSUM_CHARS + 1) return false;
        String entropy = token.substring(prefixLength, token.length() - CHECKSUM_CHARS);
        return checksum(entropy).equals(token.substring(token.length() - CHECKSUM_CHARS));
    }
}
