package dev.airlock.core.grant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The approval challenge binds the nonce and every term an approver weighs (issue 16); nothing else moves it. */
class ApprovalChallengeTest {
    static final byte[] NONCE = new byte[32];
    static final List<String> SCOPES = List.of("volume:delete", "volume:read");
    static final List<String> RESOURCES = List.of("vol-7f3a", "vol-9c1e");

    static byte[] base() {
        return ApprovalChallenge.of(NONCE, "gr_a", "production", SCOPES, RESOURCES, "why", "rm -rf");
    }

    @Test
    void challengeIsSha256Sized() {
        assertEquals(32, base().length);
    }

    @Test
    void challengeWhenAnyBoundFieldChangesThenDiffers() {
        byte[] otherNonce = NONCE.clone();
        otherNonce[0] = 1;
        List<byte[]> variants = List.of(
                ApprovalChallenge.of(otherNonce, "gr_a", "production", SCOPES, RESOURCES, "why", "rm -rf"),
                ApprovalChallenge.of(NONCE, "gr_b", "production", SCOPES, RESOURCES, "why", "rm -rf"),
                ApprovalChallenge.of(NONCE, "gr_a", "staging", SCOPES, RESOURCES, "why", "rm -rf"),
                ApprovalChallenge.of(NONCE, "gr_a", "production", List.of("volume:delete"), RESOURCES, "why", "rm -rf"),
                ApprovalChallenge.of(NONCE, "gr_a", "production", SCOPES, List.of("vol-7f3a"), "why", "rm -rf"),
                ApprovalChallenge.of(NONCE, "gr_a", "production", SCOPES, RESOURCES, "why not", "rm -rf"),
                ApprovalChallenge.of(NONCE, "gr_a", "production", SCOPES, RESOURCES, "why", "rm -rf /"),
                ApprovalChallenge.of(NONCE, "gr_a", "production", SCOPES, RESOURCES, "why", null),
                ApprovalChallenge.of(NONCE, "gr_a", "production", SCOPES, RESOURCES, "why", ""));
        for (int i = 0; i < variants.size(); i++) {
            assertFalse(Arrays.equals(base(), variants.get(i)), "variant " + i + " must change the challenge");
        }
    }

    @Test
    void challengeWhenFieldBoundariesShiftThenDiffers() {
        // Length prefixes: moving characters from one field to the next is another challenge.
        assertFalse(Arrays.equals(
                ApprovalChallenge.of(NONCE, "gr_a", "prod", List.of("ab", "c"), RESOURCES, "why", null),
                ApprovalChallenge.of(NONCE, "gr_a", "prod", List.of("a", "bc"), RESOURCES, "why", null)));
        assertFalse(Arrays.equals(
                ApprovalChallenge.of(NONCE, "gr_a", "prod", List.of("x"), List.of("y"), "why", null),
                ApprovalChallenge.of(NONCE, "gr_a", "prod", List.of("x", "y"), List.of(), "why", null)));
    }

    @Test
    void challengeWhenScopesOrResourcesAreListedInAnotherOrderThenSame() {
        assertArrayEquals(base(), ApprovalChallenge.of(NONCE, "gr_a", "production", List.of("volume:read",
                "volume:delete"), List.of("vol-9c1e", "vol-7f3a"), "why", "rm -rf"));
    }

    @Test
    void challengeOfAGrantIsTheChallengeOfItsTerms() {
        Grant g = new Grant("gr_a", "coding-agent", "production", SCOPES, RESOURCES, "why", "rm -rf", 1, List.of(),
                GrantStatus.PENDING, java.time.Instant.EPOCH, java.time.Instant.EPOCH.plusSeconds(900), null, null,
                null, null, 0, null, 1);
        assertArrayEquals(base(), ApprovalChallenge.of(NONCE, g));
    }
}
