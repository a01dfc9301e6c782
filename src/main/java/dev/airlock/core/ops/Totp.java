package dev.airlock.core.ops;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.function.LongPredicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-based one-time passwords, RFC 6238 over RFC 4226 HOTP: HMAC-SHA1, 30-second steps, 6 digits, which is what
 * every authenticator app implements by default (and what the otpauth URI below announces).
 */
public final class Totp {
    public static final String ISSUER = "Airlock";
    public static final long STEP_SECONDS = 30;
    public static final int DIGITS = 6;
    public static final String HMAC_SHA1 = "HmacSHA1";
    /** RFC 4226 §4 R6 asks for at least 128 bits and recommends 160. */
    public static final int SECRET_BYTES = 20;
    /**
     * Steps either side of now that are still accepted: RFC 6238 §5.2 recommends at most one step of network delay
     * and clock drift.
     */
    public static final int WINDOW = 1;

    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private Totp() {}

    public static byte[] newSecret(SecureRandom random) {
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        return secret;
    }

    /** RFC 6238 §4.2: T = floor((now - T0) / X), T0 = the Unix epoch. */
    public static long step(Instant at) {
        return Math.floorDiv(at.getEpochSecond(), STEP_SECONDS);
    }

    /** The 6-digit HMAC-SHA1 code for a time step. */
    public static String code(byte[] secret, long step) {
        return code(secret, step, DIGITS, HMAC_SHA1);
    }

    /**
     * The code for a time step with other parameters (RFC 6238 §1.2 allows HMAC-SHA-256 and -512 and the Appendix B
     * vectors use 8 digits).
     *
     * @param hmacAlgorithm a JCA MAC name: {@code HmacSHA1}, {@code HmacSHA256} or {@code HmacSHA512}
     */
    public static String code(byte[] secret, long step, int digits, String hmacAlgorithm) {
        if (digits < 1 || digits > 8) throw new IllegalArgumentException("digits must be 1 to 8");
        byte[] h;
        try {
            Mac mac = Mac.getInstance(hmacAlgorithm);
            mac.init(new SecretKeySpec(secret, "RAW"));
            h = mac.doFinal(java.nio.ByteBuffer.allocate(8).putLong(step).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("HMAC " + hmacAlgorithm + " unavailable", e);
        }
        // RFC 4226 §5.3 dynamic truncation.
        int offset = h[h.length - 1] & 0x0f;
        int binary = ((h[offset] & 0x7f) << 24) | ((h[offset + 1] & 0xff) << 16) | ((h[offset + 2] & 0xff) << 8)
                | (h[offset + 3] & 0xff);
        Arrays.fill(h, (byte) 0);
        StringBuilder s = new StringBuilder(Integer.toString(binary % POWERS[digits]));
        while (s.length() < digits) s.insert(0, '0');
        return s.toString();
    }

    /**
     * The time step {@code code} belongs to, if it is a code for a step within {@link #WINDOW} of {@code now} and
     * later than {@code lastStep}. Requiring a later step is what makes a code usable once (RFC 6238 §5.2: "the
     * verifier MUST NOT accept the second attempt of the OTP after the successful validation") and refuses an older
     * code presented after a newer one. If the code matches several steps (a one-in-a-million collision), the
     * earliest acceptable one is used, so as few future codes as possible are spent.
     */
    public static OptionalLong acceptedStep(byte[] secret, String code, Instant now, long lastStep) {
        return acceptedStep(secret, code, now, s -> s > lastStep);
    }

    /** As above, with the caller's rule for which steps are still fresh ({@link OpsAccount#fresh}). */
    public static OptionalLong acceptedStep(byte[] secret, String code, Instant now, LongPredicate fresh) {
        if (!wellFormed(code)) return OptionalLong.empty();
        byte[] presented = code.getBytes(StandardCharsets.US_ASCII);
        long current = step(now);
        long accepted = Long.MIN_VALUE;
        // Every candidate is computed and compared, whether or not an earlier one matched, so timing does not tell
        // which step a code was for.
        for (long s = current + WINDOW; s >= current - WINDOW; s--) {
            boolean match = MessageDigest.isEqual(presented, code(secret, s).getBytes(StandardCharsets.US_ASCII));
            if (match && fresh.test(s)) accepted = s;
        }
        return accepted == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(accepted);
    }

    /** Exactly six ASCII digits: not Unicode digits, no spaces, no signs. */
    static boolean wellFormed(String code) {
        if (code == null || code.length() != DIGITS) return false;
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    /**
     * Google Authenticator's Key Uri Format: {@code otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&...}.
     * Parameters that equal the defaults are still spelled out, so an app that guesses differently is told.
     */
    public static String otpauthUri(String issuer, String account, byte[] secret) {
        return "otpauth://totp/" + percent(issuer) + ":" + percent(account) + "?secret=" + base32(secret)
                + "&issuer=" + percent(issuer) + "&algorithm=SHA1&digits=" + DIGITS + "&period=" + STEP_SECONDS;
    }

    /** RFC 4648 §6 base32, upper case, without padding (the Key Uri Format omits it). */
    public static String base32(byte[] data) {
        StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32.charAt((buffer >>> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) out.append(BASE32.charAt((buffer << (5 - bits)) & 31));
        return out.toString();
    }

    /**
     * Decodes RFC 4648 base32; case-insensitive, trailing {@code =} padding allowed.
     *
     * @throws IllegalArgumentException on any other character or an impossible length
     */
    public static byte[] fromBase32(String text) {
        String s = text.toUpperCase(java.util.Locale.ROOT);
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '=') end--;
        int rest = end % 8;
        if (rest == 1 || rest == 3 || rest == 6) throw new IllegalArgumentException("not base32: impossible length");
        byte[] out = new byte[end * 5 / 8];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < end; i++) {
            int v = BASE32.indexOf(s.charAt(i));
            if (v < 0) throw new IllegalArgumentException("not base32: character " + (i + 1));
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out[n++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        return out;
    }

    private static String percent(String s) {
        // URLEncoder is form encoding: a space would become '+', which the otpauth label does not decode.
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
