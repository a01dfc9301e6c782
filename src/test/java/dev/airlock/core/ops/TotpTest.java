package dev.airlock.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class TotpTest {
    /** RFC 6238 Appendix B seeds: the ASCII digits repeated to the hash's length. */
    static final byte[] SEED_SHA1 = ascii("12345678901234567890");
    static final byte[] SEED_SHA256 = ascii("12345678901234567890123456789012");
    static final byte[] SEED_SHA512 = ascii("1234567890123456789012345678901234567890123456789012345678901234");

    static final Instant NOW = Instant.parse("2030-01-01T00:00:10Z");
    static final long STEP = Totp.step(NOW);

    @ParameterizedTest(name = "T={0}")
    @CsvSource({
            "59,          94287082, 46119246, 90693936",
            "1111111109,  07081804, 68084774, 25091201",
            "1111111111,  14050471, 67062674, 99943326",
            "1234567890,  89005924, 91819424, 93441116",
            "2000000000,  69279037, 90698825, 38618901",
            "20000000000, 65353130, 77737706, 47863826"})
    void rfc6238AppendixBVectors(long unixTime, String sha1, String sha256, String sha512) {
        long step = Totp.step(Instant.ofEpochSecond(unixTime));
        assertEquals(sha1, Totp.code(SEED_SHA1, step, 8, "HmacSHA1"));
        assertEquals(sha256, Totp.code(SEED_SHA256, step, 8, "HmacSHA256"));
        assertEquals(sha512, Totp.code(SEED_SHA512, step, 8, "HmacSHA512"));
    }

    @Test
    void defaultCodeIsSixDigitHmacSha1AsInRfc4226AppendixD() {
        String[] expected = {"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
                "520489"};
        for (int counter = 0; counter < expected.length; counter++) {
            assertEquals(expected[counter], Totp.code(SEED_SHA1, counter), "counter " + counter);
        }
    }

    @Test
    void stepIsThirtySecondsFromTheEpoch() {
        assertEquals(0, Totp.step(Instant.ofEpochSecond(29)));
        assertEquals(1, Totp.step(Instant.ofEpochSecond(30)));
        assertEquals(37_037_037, Totp.step(Instant.ofEpochSecond(1_111_111_111)));
    }

    @Test
    void codesForThePreviousCurrentAndNextStepAreAccepted() {
        for (long s = STEP - 1; s <= STEP + 1; s++) {
            assertEquals(OptionalLong.of(s), Totp.acceptedStep(SEED_SHA1, Totp.code(SEED_SHA1, s), NOW, 0), "step " + s);
        }
    }

    @Test
    void codesTwoStepsAwayAreRefused() {
        assertEquals(OptionalLong.empty(), Totp.acceptedStep(SEED_SHA1, Totp.code(SEED_SHA1, STEP - 2), NOW, 0));
        assertEquals(OptionalLong.empty(), Totp.acceptedStep(SEED_SHA1, Totp.code(SEED_SHA1, STEP + 2), NOW, 0));
    }

    @Test
    void theSameCodeIsRefusedOnceItsStepWasAccepted() {
        String code = Totp.code(SEED_SHA1, STEP);
        long accepted = Totp.acceptedStep(SEED_SHA1, code, NOW, 0).orElseThrow();
        assertEquals(OptionalLong.empty(), Totp.acceptedStep(SEED_SHA1, code, NOW, accepted));
    }

    @Test
    void anOlderCodeAfterANewerOneIsRefused() {
        long newer = Totp.acceptedStep(SEED_SHA1, Totp.code(SEED_SHA1, STEP + 1), NOW, 0).orElseThrow();
        assertEquals(OptionalLong.empty(), Totp.acceptedStep(SEED_SHA1, Totp.code(SEED_SHA1, STEP), NOW, newer));
        assertEquals(OptionalLong.empty(), Totp.acceptedStep(SEED_SHA1, Totp.code(SEED_SHA1, STEP - 1), NOW, newer));
    }

    @Test
    void aCodeForAnotherSecretIsRefused() {
        byte[] other = Totp.newSecret(new SecureRandom());
        assertEquals(OptionalLong.empty(), Totp.acceptedStep(SEED_SHA1, Totp.code(other, STEP), NOW, 0));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "12345", "1234567", " 12345", "12345 ", "+12345", "-12345", "12345a",
            "\u0661\u0662\u0663\u0664\u0665\u0666", "\uff11\uff12\uff13\uff14\uff15\uff16"})
    void onlyExactlySixAsciiDigitsAreACode(String code) {
        assertEquals(OptionalLong.empty(), Totp.acceptedStep(SEED_SHA1, code, NOW, 0));
    }

    @Test
    void aFullWidthOrArabicSpellingOfTheRightCodeIsRefused() {
        String right = Totp.code(SEED_SHA1, STEP);
        StringBuilder arabic = new StringBuilder();
        for (char c : right.toCharArray()) arabic.append((char) ('\u0660' + (c - '0')));
        assertEquals(OptionalLong.empty(), Totp.acceptedStep(SEED_SHA1, arabic.toString(), NOW, 0));
    }

    @Test
    void newSecretsAre160RandomBits() {
        SecureRandom random = new SecureRandom();
        byte[] a = Totp.newSecret(random);
        assertEquals(20, a.length);
        assertTrue(!java.util.Arrays.equals(a, Totp.newSecret(random)));
    }

    @ParameterizedTest
    @CsvSource(value = {"'',''", "f,MY", "fo,MZXQ", "foo,MZXW6", "foob,MZXW6YQ", "fooba,MZXW6YTB", "foobar,MZXW6YTBOI"})
    void base32MatchesRfc4648Section10WithoutPadding(String plain, String encoded) {
        assertEquals(encoded, Totp.base32(ascii(plain)));
        assertArrayEquals(ascii(plain), Totp.fromBase32(encoded));
    }

    @Test
    void base32DecodingAcceptsPaddingAndLowerCaseAndRefusesOtherCharacters() {
        assertArrayEquals(ascii("foob"), Totp.fromBase32("MZXW6YQ="));
        assertArrayEquals(ascii("foobar"), Totp.fromBase32("mzxw6ytboi======"));
        assertThrows(IllegalArgumentException.class, () -> Totp.fromBase32("MZXW1"));
        assertThrows(IllegalArgumentException.class, () -> Totp.fromBase32("M"));
        byte[] secret = Totp.newSecret(new SecureRandom());
        assertArrayEquals(secret, Totp.fromBase32(Totp.base32(secret)));
    }

    @Test
    void otpauthUriFollowsTheKeyUriFormat() {
        assertEquals("otpauth://totp/Airlock:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Airlock"
                        + "&algorithm=SHA1&digits=6&period=30",
                Totp.otpauthUri(Totp.ISSUER, "alice", SEED_SHA1));
    }

    @Test
    void otpauthLabelIsPercentEncodedNotFormEncoded() {
        String uri = Totp.otpauthUri("Air lock", "a:b", SEED_SHA1);
        assertTrue(uri.startsWith("otpauth://totp/Air%20lock:a%3Ab?"), uri);
        assertTrue(uri.contains("&issuer=Air%20lock&"), uri);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
