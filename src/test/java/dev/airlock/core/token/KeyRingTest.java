package dev.airlock.core.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.OctetKeyPair;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.testing.IndependentVerifier;
import dev.airlock.testing.MutableClock;
import dev.airlock.testing.TestAirlock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyRingTest {
    static final SecureRandom RANDOM = new SecureRandom();
    @TempDir
    Path data;

    static SecretBox box(byte b) {
        byte[] k = new byte[32];
        java.util.Arrays.fill(k, b);
        return new SecretBox(k, RANDOM);
    }

    @Test
    void firstOpenGeneratesOneKeyWhosePrivatePartIsOnlyStoredSealed() throws Exception {
        KeyRing ring = KeyRing.open(data, box((byte) 1), JWSAlgorithm.EdDSA, MutableClock.at("2026-01-01T00:00:00Z"), RANDOM);
        OctetKeyPair pub = (OctetKeyPair) ring.active().publicJwk();
        assertFalse(pub.isPrivate(), "the JWKS side must be public only");
        assertEquals(pub.computeThumbprint().toString(), ring.active().kid(), "kid is the RFC 7638 thumbprint");
        Path file;
        try (Stream<Path> s = Files.list(data.resolve("keys"))) {
            file = s.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        String stored = Files.readString(file);
        assertFalse(stored.contains("\"d\""), "no plaintext private key member");
        assertFalse(stored.contains("OKP"), "no plaintext JWK at all");
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(file));
    }

    @Test
    void reopenUsesTheSameKey() throws Exception {
        MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
        String kid = KeyRing.open(data, box((byte) 1), JWSAlgorithm.EdDSA, clock, RANDOM).active().kid();
        KeyRing again = KeyRing.open(data, box((byte) 1), JWSAlgorithm.EdDSA, clock, RANDOM);
        assertEquals(kid, again.active().kid());
        assertEquals(1, again.publicJwks().getKeys().size());
    }

    @Test
    void wrongMasterKeyRefusesToStartRatherThanMintingWithANewKey() throws Exception {
        MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
        KeyRing.open(data, box((byte) 1), JWSAlgorithm.EdDSA, clock, RANDOM);
        IOException e = assertThrows(IOException.class,
                () -> KeyRing.open(data, box((byte) 2), JWSAlgorithm.EdDSA, clock, RANDOM));
        assertTrue(e.getMessage().contains("cannot unseal"), e.getMessage());
    }

    @Test
    void es256ServerTokensVerifyIndependently() throws Exception {
        try (TestAirlock a = TestAirlock.start(TestAirlock.EXAMPLE_POLICY, data, JWSAlgorithm.ES256)) {
            String secret = a.issueSecret("coding-agent");
            TestAirlock.Reply r = a.token("coding-agent", secret, "dev", "db:read");
            assertEquals(200, r.status(), r.body());
            String jwt = r.json().path("access_token").asText();
            assertEquals("dev", new IndependentVerifier(a.base, "urn:airlock:env:dev").verify(jwt).getStringClaim("env"));
            assertEquals("ES256", com.nimbusds.jwt.SignedJWT.parse(jwt).getHeader().getAlgorithm().getName());
        }
    }

    @Test
    void serveWithAnotherAlgorithmThanTheActiveKeysPublishesItAndSignsWithItOnlyAfterThePublicationDelay() throws Exception {
        String ed;
        try (TestAirlock a = TestAirlock.start(TestAirlock.EXAMPLE_POLICY, data, JWSAlgorithm.EdDSA)) {
            ed = a.airlock.keys.active().kid();
        }
        try (TestAirlock a = TestAirlock.start(TestAirlock.EXAMPLE_POLICY, data, JWSAlgorithm.ES256)) {
            assertEquals(ed, a.airlock.keys.active().kid(), "no verifier has seen the ES256 key yet");
            assertEquals(2, a.airlock.keys.publicJwks().getKeys().size());
            assertTrue(String.join("\n", a.auditLines()).contains("\"key.published\""));
            a.clock.advance(KeySchedule.DEFAULT_PUBLICATION_DELAY);
            for (int i = 0; i < 600 && a.airlock.keys.active().kid().equals(ed); i++) Thread.sleep(50);
            assertEquals(JWSAlgorithm.ES256, a.airlock.keys.active().algorithm());
            String jwt = a.token("coding-agent", a.issueSecret("coding-agent"), "dev", "db:read").json()
                    .path("access_token").asText();
            assertEquals("dev", new IndependentVerifier(a.base, "urn:airlock:env:dev", a.clock).verify(jwt)
                    .getStringClaim("env"));
        }
    }
}
