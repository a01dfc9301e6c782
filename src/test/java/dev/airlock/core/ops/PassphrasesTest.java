package dev.airlock.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class PassphrasesTest {
    static final SecureRandom RANDOM = new SecureRandom();
    /** Cheap costs for speed; the production costs get their own tests below. */
    static final Passphrases CHEAP = new Passphrases(RANDOM, 64, 1, 1);

    /** Made by the Argon2 reference implementation: {@code echo -n "correct horse battery staple" | argon2 ...}. */
    static final String REFERENCE_CHEAP =
            "$argon2id$v=19$m=64,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo";
    static final String REFERENCE_TWO_LANES =
            "$argon2id$v=19$m=256,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$RAW5CJoqSnrdFn0R1j+OxBwkCOHY5F4CuFv0rJgQLlE";
    /** The same tool at the OWASP costs this class uses for new hashes. */
    static final String REFERENCE_OWASP =
            "$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$v03qgLa0VrI2ya5Ketrq4HyVXA67XGBom09kNRfNOgI";

    @Test
    void aHashVerifiesWithItsPassphraseOnly() {
        String phc = CHEAP.hash("K7QXM-RWHAD".toCharArray());
        assertTrue(CHEAP.verify("K7QXM-RWHAD".toCharArray(), phc));
        assertFalse(CHEAP.verify("K7QXM-RWHAE".toCharArray(), phc));
        assertFalse(CHEAP.verify("".toCharArray(), phc));
    }

    @Test
    void productionHashesArePhcStringsWithOwaspCostsA16ByteSaltAndA32ByteHash() {
        Passphrases production = new Passphrases(RANDOM);
        String phc = production.hash("pass phrase".toCharArray());
        assertTrue(phc.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), phc);
        String[] parts = phc.split("\\$");
        assertEquals(6, parts.length, phc);
        assertFalse(parts[4].contains("=") || parts[5].contains("="), "PHC strings carry no base64 padding: " + phc);
        assertEquals(16, Base64.getDecoder().decode(parts[4]).length);
        assertEquals(32, Base64.getDecoder().decode(parts[5]).length);
        assertTrue(production.verify("pass phrase".toCharArray(), phc));
    }

    @Test
    void twoHashesOfOnePassphraseDifferBySalt() {
        assertNotEquals(CHEAP.hash("same".toCharArray()), CHEAP.hash("same".toCharArray()));
    }

    @Test
    void verifiesHashesMadeByTheReferenceImplementation() {
        assertTrue(CHEAP.verify("correct horse battery staple".toCharArray(), REFERENCE_CHEAP));
        assertFalse(CHEAP.verify("correct horse battery stapler".toCharArray(), REFERENCE_CHEAP));
        assertTrue(CHEAP.verify("password".toCharArray(), REFERENCE_TWO_LANES));
    }

    @Test
    void verifyTakesTheCostsFromTheStoredStringNotFromItsOwnSettings() {
        // CHEAP hashes with m=64,t=1; it must still verify a string made at the production costs.
        assertTrue(CHEAP.verify("K7QXM-RWHAD-23456-ABCDE-ZZZZZ".toCharArray(), REFERENCE_OWASP));
    }

    @Test
    void parseReadsEveryParameter() {
        Passphrases.Parsed p = Passphrases.parse(REFERENCE_TWO_LANES);
        assertEquals(256, p.memoryKiB());
        assertEquals(3, p.iterations());
        assertEquals(2, p.parallelism());
        assertEquals("somesaltsomesalt", new String(p.salt(), java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(32, p.hash().length);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {
            "",
            "not a hash",
            // other variants and versions
            "$argon2i$v=19$m=64,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=16$m=64,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$m=64,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            // parameters missing, reordered, extra, zero, absurd
            "$argon2id$v=19$m=64,t=2$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$t=2,m=64,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=64,t=2,p=1,keyid=x$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=64,t=0,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=64,t=2,p=0$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=7,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=2000000000,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=99999999999,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=64,t=1000,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=64,t=2,p=-1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            // salt or hash: missing, padded, not base64, too short, non-canonical trailing bits
            "$argon2id$v=19$m=64,t=2,p=1$$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=64,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$",
            "$argon2id$v=19$m=64,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg==$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=64,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU_zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=64,t=2,p=1$c2FsdA$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=64,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7w",
            "$argon2id$v=19$m=64,t=2,p=1$YWlybG9jay1zYWx0LTE2Yh$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            // trailing or leading junk
            "$argon2id$v=19$m=64,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo$",
            " $argon2id$v=19$m=64,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo",
            "$argon2id$v=19$m=64,t=2,p=1$YWlybG9jay1zYWx0LTE2Yg$laL9Ky5RoU7wU/zuSbmplzzkaFWQwMv73xmcwNleSzo\n"})
    void malformedStringsAreRefusedWithoutAnException(String phc) {
        assertFalse(CHEAP.verify("correct horse battery staple".toCharArray(), phc));
        if (phc != null) assertNull(Passphrases.parse(phc));
    }

    @Test
    void aNullPassphraseIsRefused() {
        assertFalse(CHEAP.verify(null, REFERENCE_CHEAP));
    }

    @Test
    void theDummyHashIsWellFormedAtOurCostsAndMatchesNothingWeTry() {
        String dummy = CHEAP.dummyHash();
        Passphrases.Parsed p = Passphrases.parse(dummy);
        assertEquals(64, p.memoryKiB());
        assertEquals(1, p.iterations());
        assertFalse(CHEAP.verify("".toCharArray(), dummy));
    }

    @Test
    void generatedPassphrasesAreFiveGroupsOfFiveFromTheUnambiguousAlphabetWithAtLeast100Bits() {
        double bits = Passphrases.GROUPS * Passphrases.GROUP_LENGTH
                * (Math.log(Passphrases.ALPHABET.length()) / Math.log(2));
        assertTrue(bits >= 100, "entropy " + bits);
        assertFalse(Passphrases.ALPHABET.matches(".*[01IOl].*"), "ambiguous symbols in " + Passphrases.ALPHABET);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String p = new String(Passphrases.generate(RANDOM));
            assertTrue(p.matches("[2-9A-HJ-NP-Z]{5}(-[2-9A-HJ-NP-Z]{5}){4}"), p);
            assertTrue(seen.add(p), "repeated " + p);
        }
    }

    @Test
    void generatedPassphrasesUseTheWholeAlphabet() {
        Set<Character> used = new HashSet<>();
        for (int i = 0; i < 200; i++) for (char c : Passphrases.generate(RANDOM)) used.add(c);
        used.remove('-');
        assertEquals(Passphrases.ALPHABET.length(), used.size());
    }
}
