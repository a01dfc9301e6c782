package dev.airlock.core.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.ops.OpsAccount;
import dev.airlock.core.ops.OpsSessions;
import dev.airlock.core.ops.Passphrases;
import dev.airlock.core.ops.Totp;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every kind of secret Airlock makes, made by its real generator, is redacted; the identifiers it logs are not. */
class SecretShapesTest {
    static final SecureRandom RANDOM = new SecureRandom();

    static List<String> secretsOfEveryKind() throws Exception {
        OctetKeyPair key = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().subject("coding-agent").jwtID(UUID.randomUUID().toString()).build());
        jwt.sign(new Ed25519Signer(key));
        OpsAccount bob = new OpsAccount("bob", Set.of("prod-ops"), "$argon2id$x", "sealed", 0, 0, null, Instant.now(),
                false, 1);
        byte[] masterKey = new byte[32];
        RANDOM.nextBytes(masterKey);
        return List.of(
                SecretShapes.CLIENT_SECRET_PREFIX + Hashes.randomToken(RANDOM, 32), // as 'airlock agent add' makes it
                new OpsSessions(Clock.systemUTC(), RANDOM, name -> java.util.Optional.of(bob)).open(bob).join(),
                jwt.serialize(),
                new String(Passphrases.generate(RANDOM)),
                Totp.base32(Totp.newSecret(RANDOM)),
                Base64.getEncoder().encodeToString(masterKey));
    }

    @Test
    void everyKindOfSecretIsRedactedAloneAndInsideOtherText() throws Exception {
        for (String secret : secretsOfEveryKind()) {
            String marker = SecretShapes.redact(secret);
            assertTrue(marker.startsWith("[redacted ") && marker.contains(" sha256:"), secret + " -> " + marker);
            assertEquals("scope=db:read " + marker + ", please", SecretShapes.redact("scope=db:read " + secret + ", please"));
            assertTrue(SecretShapes.containsSecret(secret), secret);
        }
    }

    @Test
    void theMarkerNamesTheKindAndAFingerprintOfTheSecretOnly() {
        String secret = "airlock_sk_" + "A".repeat(43);
        assertEquals("[redacted client secret sha256:" + Hashes.sha256Hex(secret).substring(0, 16) + "]",
                SecretShapes.redact(secret));
    }

    @Test
    void identifiersAirlockLogsOnPurposeAreLeftAlone() throws Exception {
        OctetKeyPair key = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        List<String> identifiers = List.of(
                Hashes.randomToken(RANDOM, 16),                       // a jti
                key.computeThumbprint().toString(),                   // a kid
                Hashes.sha256Hex("x"),                                // a hash
                "gr_" + Hashes.randomToken(RANDOM, 16),               // a grant id
                UUID.randomUUID().toString(),                         // an incident id
                "coding-agent", "production", "volume:delete vol-7f3a db-prod-main", "ops-team_bob",
                "urn:airlock:env:staging", "/proxy/railway/v1/volumes/vol-7f3a?x=1");
        for (String id : identifiers) assertSame(id, SecretShapes.redact(id), id);
    }

    @Test
    void auditEventsRedactEveryStringValueHoweverTheyAreBuilt() {
        String secret = "airlock_sk_" + Hashes.randomToken(RANDOM, 32);
        AuditEvent built = AuditEvent.of("x").with("scope", secret).with("list", List.of("a", secret)).with("n", 1)
                .build();
        AuditEvent direct = new AuditEvent("x", Map.of("client_id", secret));
        String marker = SecretShapes.markerFor(secret);
        assertEquals(marker, built.fields().get("scope"));
        assertEquals(List.of("a", marker), built.fields().get("list"));
        assertEquals(1, built.fields().get("n"));
        assertEquals(marker, direct.fields().get("client_id"));
    }
}
