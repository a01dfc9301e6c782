package dev.airlock.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.proxy.ProviderLoader;
import dev.airlock.core.proxy.Providers;
import dev.airlock.testing.MutableClock;
import dev.airlock.testing.Scrape;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Counting decisions from the audit stream, on a real audit log: what is counted, when, and with which labels. */
class DecisionCounterTest {
    static final Path POLICY = Path.of("scopes");

    @TempDir
    Path dir;

    @Test
    void countWhenTheEventCouldNotBeMadeDurableThenNothingIsCountedAndTheFailedAppendIsTimed() throws Exception {
        MutableClock clock = MutableClock.at("2030-01-01T00:00:00Z");
        try (AuditLog writable = AuditLog.open(dir.resolve("audit.log"), clock)) {
            writable.append(AuditEvent.of("audit.key_created").build()).get(); // the file exists
        }
        try (AirlockMetrics metrics = AirlockMetrics.on();
             AuditLog readOnly = AuditLog.openReadOnly(dir.resolve("audit.log"), clock)) {
            AuditSink sink = counting(metrics, readOnly);
            var appended = sink.append(AuditEvent.of("token.minted").with("client_id", "coding-agent")
                    .with("env", "staging").build());
            assertThrows(ExecutionException.class, appended::get, "a read-only log cannot append");

            Scrape s = Scrape.of(metrics.scrape());
            assertFalse(s.value("airlock_tokens_minted_total", "env", "staging").isPresent(),
                    "the client was never told: not a decision\n" + s.text());
            assertEquals(1.0, s.valueOrZero("airlock_audit_append_seconds_count", "outcome", "failed"), s.text());
        }
    }

    @Test
    void countWhenAFieldHoldsSomethingOutsideTheBoundedSetsThenTheLabelIsOther() throws Exception {
        String secret = "airlock_sk_Zq0y5G1mAXlYfVrC2sS6bD3eT4uW7xH8iJ9kL0mN1oP"; // airlock:ignore (made up)
        try (AirlockMetrics metrics = AirlockMetrics.on();
             AuditLog log = AuditLog.open(dir.resolve("audit.log"), MutableClock.at("2030-01-01T00:00:00Z"))) {
            AuditSink sink = counting(metrics, log);
            sink.append(AuditEvent.of("token.refused").with("client_id", "coding-agent").with("env", "db-prod-main")
                    .with("error", "not_a_code_we_emit " + secret).build()).get();
            sink.append(AuditEvent.of("proxy").with("provider", "../railway").with("allowed", false)
                    .with("code", "unknown_provider").build()).get();
            sink.append(AuditEvent.of("made.up").build()).get();

            Scrape s = Scrape.of(metrics.scrape());
            assertEquals(1.0, s.valueOrZero("airlock_tokens_refused_total", "env", "other", "reason", "other"),
                    s.text());
            assertEquals(1.0, s.valueOrZero("airlock_proxy_requests_total", "env", "other", "outcome", "refused",
                    "provider", "other", "reason", "unknown_provider"), s.text());
            assertEquals(1.0, s.valueOrZero("airlock_audit_events_total", "type", "other"), s.text());
            for (String leak : new String[] {"db-prod-main", "airlock_sk_", "not_a_code", "../railway", "made.up"}) {
                assertFalse(s.allLabels().contains(leak), leak + "\n" + s.allLabels());
            }
        }
    }

    @Test
    void countWhenTheNamesAreThePolicysThenTheyAreTheLabels() throws Exception {
        try (AirlockMetrics metrics = AirlockMetrics.on();
             AuditLog log = AuditLog.open(dir.resolve("audit.log"), MutableClock.at("2030-01-01T00:00:00Z"))) {
            AuditSink sink = counting(metrics, log);
            sink.append(AuditEvent.of("proxy").with("provider", "railway").with("env", "production")
                    .with("allowed", true).with("code", "allowed").build()).get();
            Scrape s = Scrape.of(metrics.scrape());
            assertEquals(1.0, s.valueOrZero("airlock_proxy_requests_total", "env", "production", "outcome",
                    "forwarded", "provider", "railway", "reason", "allowed"), s.text());
            assertTrue(s.value("airlock_audit_append_seconds_count", "outcome", "ok").isPresent(), s.text());
        }
    }

    private static AuditSink counting(AirlockMetrics metrics, AuditSink log) throws Exception {
        Policy policy = PolicyLoader.load(POLICY);
        Providers providers = ProviderLoader.load(POLICY.resolve("providers"), policy);
        return metrics.countDecisions(log, () -> policy, () -> providers);
    }
}
