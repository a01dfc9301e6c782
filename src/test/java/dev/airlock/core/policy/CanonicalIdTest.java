package dev.airlock.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** One canonical form per resource id: NFKC, then a locale-independent case fold, idempotent. */
class CanonicalIdTest {
    @Test
    void caseVariantsOfAnAsciiIdHaveOneForm() {
        assertEquals("vol-7f3a", CanonicalId.of("VOL-7F3A"));
        assertEquals("vol-7f3a", CanonicalId.of("Vol-7F3a"));
        assertEquals("db-prod-main", CanonicalId.of("DB-PROD-MAIN"));
    }

    @Test
    void anAlreadyCanonicalAsciiIdIsReturnedAsIs() {
        String id = "vol-7f3a-stg";
        assertSame(id, CanonicalId.of(id));
    }

    @Test
    void compatibilityFormsThatFrameworksFoldAreTheAsciiId() {
        assertEquals("vol-7f3a", CanonicalId.of("\uFF56\uFF4F\uFF4C-\uFF17\uFF46\uFF13\uFF41"), "full-width letters and digits");
        assertEquals("vol-7f3a", CanonicalId.of("\uFF36\uFF2F\uFF2C\uFF0D\uFF17\uFF26\uFF13\uFF21"), "full-width upper case and hyphen");
        assertEquals("kv-1", CanonicalId.of("\u212Av-1"), "Kelvin sign");
        assertEquals("svc-1", CanonicalId.of("\u017Fvc-1"), "long s");
        assertEquals("vol-1", CanonicalId.of("vol-\u2460"), "circled digit one");
        assertEquals("fin-1", CanonicalId.of("\uFB01n-1"), "fi ligature");
    }

    @Test
    void theFoldAlsoUnifiesWhatLowerCasingAloneKeepsApart() {
        // equalsIgnoreCase and .NET's OrdinalIgnoreCase match the dotless i with i; case folding maps sharp s to ss.
        assertEquals("id-1", CanonicalId.of("\u0131d-1"));
        assertEquals(CanonicalId.of("strasse"), CanonicalId.of("stra\u00DFe"));
        assertEquals(CanonicalId.of("STRASSE"), CanonicalId.of("STRA\u1E9EE"));
        assertEquals(CanonicalId.of("\u03C3\u03B1\u03C3"), CanonicalId.of("\u03C3\u03B1\u03C2"), "medial and final sigma");
    }

    @Test
    void differentIdsStayDifferent() {
        assertNotEquals(CanonicalId.of("vol-7f3a"), CanonicalId.of("vol-7f3a-stg"));
        assertNotEquals(CanonicalId.of("vol-7f3a"), CanonicalId.of("vol\u20107f3a"), "a Unicode hyphen is not '-'");
        assertNotEquals(CanonicalId.of("vol-7f3a"), CanonicalId.of("vol-7f3a "));
    }

    @Test
    void theFormIsAFixedPointForEveryCodePoint() {
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            // Unassigned, surrogate and private-use code points have no decomposition or case mapping.
            int type = Character.getType(cp);
            if (type == Character.UNASSIGNED || type == Character.SURROGATE || type == Character.PRIVATE_USE) continue;
            String once = CanonicalId.of("x" + new String(Character.toChars(cp)) + "Y");
            assertEquals(once, CanonicalId.of(once), "U+" + Integer.toHexString(cp).toUpperCase(Locale.ROOT));
        }
    }

    @Test
    void theAsciiShortCutGivesWhatTheFullFoldGives() {
        for (char c = 0; c < 0x80; c++) {
            String s = "a" + c + "Z";
            String full = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFKC)
                    .toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
            assertEquals(full, CanonicalId.of(s), "char " + (int) c);
        }
    }
}
