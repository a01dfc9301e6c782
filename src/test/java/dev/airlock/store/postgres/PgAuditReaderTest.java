package dev.airlock.store.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditVerification;
import dev.airlock.core.audit.AuditVerifier;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.testing.MutableClock;
import dev.airlock.testing.TestPostgres;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The chain read page by page: the pages join into exactly the lines the verifier expects. */
class PgAuditReaderTest {
    static final int EVENTS = 2 * PgAuditReader.PAGE + 17;
    TestPostgres.Database db;
    PgSettings settings;

    @BeforeEach
    void writeAChainLongerThanTwoPages() throws Exception {
        db = TestPostgres.freshDatabase();
        settings = new PgSettings(PgLocation.parse(db.url()), null);
        try (PgStateStore store = PgStateStore.open(settings.location(), null, MutableClock.at("2030-01-01T00:00:00Z"),
                AssertionLimits.DEFAULT, new StorageHealth(), null, null)) {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < EVENTS; i++) all.add(store.append(AuditEvent.of("token.issued").with("n", i).build()));
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aChainOfSeveralPagesVerifiesWhole() throws Exception {
        try (PgAuditReader reader = PgAuditReader.open(settings)) {
            AuditVerification v = AuditVerifier.verify(reader.lines(), Set.of(), null);
            assertTrue(v.problem().isEmpty(), v.problem().toString());
            assertEquals(EVENTS, v.events());
        }
    }

    @Test
    void aRowDeletedOnTheSecondPageIsFound() throws Exception {
        TestPostgres.execute(db, "DELETE FROM audit_log WHERE seq = " + (PgAuditReader.PAGE + 3));
        try (PgAuditReader reader = PgAuditReader.open(settings)) {
            AuditVerification v = AuditVerifier.verify(reader.lines(), Set.of(), null);
            assertTrue(v.problem().isPresent() && v.problem().get().message().contains("(deleted)"),
                    v.problem().toString());
        }
    }
}
