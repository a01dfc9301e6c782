package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.audit.AuditVerification;
import dev.airlock.core.audit.AuditVerifier;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A server signs its audit log: a key of its own, made once and announced, a checkpoint at shutdown. */
class ServerAuditSigningTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aServerMakesItsAuditKeyOnceAndLeavesItsLogSignedWhenItStops() throws Exception {
        Path data = Files.createTempDirectory("airlock-test");
        String fingerprint;
        try (TestAirlock first = TestAirlock.start(TestAirlock.EXAMPLE_POLICY, data, JWSAlgorithm.EdDSA)) {
            fingerprint = first.airlock.auditKey.fingerprint();
            String secret = first.issueSecret("coding-agent");
            assertEquals(200, first.token("coding-agent", secret, "staging", "db:read").status());
        }
        List<String> lines = Files.readAllLines(data.resolve("audit.log"));
        assertEquals("audit.key_created", JSON.readTree(lines.get(0)).path("type").asText());
        assertEquals(fingerprint, JSON.readTree(lines.get(0)).path("key").asText());
        assertEquals("audit.checkpoint", JSON.readTree(lines.get(lines.size() - 1)).path("type").asText());

        AuditVerification v = AuditVerifier.verify(data.resolve("audit.log"), Set.of(fingerprint), null);
        assertTrue(v.ok(), v.toString());
        assertEquals(0, v.signing().unsignedAfter());

        try (TestAirlock again = TestAirlock.start(TestAirlock.EXAMPLE_POLICY, data, JWSAlgorithm.EdDSA)) {
            assertEquals(fingerprint, again.airlock.auditKey.fingerprint(), "the same key after a restart");
        }
        assertTrue(AuditVerifier.verify(data.resolve("audit.log"), Set.of(fingerprint), null).ok());
        assertEquals(1, Files.readAllLines(data.resolve("audit.log")).stream()
                .filter(l -> l.contains("\"type\":\"audit.key_created\"")).count());
    }
}
