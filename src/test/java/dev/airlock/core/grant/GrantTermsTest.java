package dev.airlock.core.grant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.policy.Environment;
import dev.airlock.core.policy.GrantRules;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.Risk;
import dev.airlock.core.policy.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What approving a grant would permit, read from the policy: risk per scope, the warning, uses and lifetime. */
class GrantTermsTest {
    static final Instant NOW = Instant.parse("2030-01-01T03:00:00Z");
    static final Policy POLICY = new Policy(
            List.of(new Environment("production", "urn:airlock:env:production", Duration.ofMinutes(3), List.of()),
                    new Environment("staging", "urn:airlock:env:staging", null, List.of())),
            List.of(new Scope("volume:delete", "volume", "delete", Risk.DESTRUCTIVE, false, "Delete a volume."),
                    new Scope("variable:write", "variable", "write", Risk.WRITE, true, "Set variables."),
                    new Scope("db:read", "db", "read", Risk.READ, false, "")),
            List.of(),
            Map.of("production", new GrantRules(Duration.ofMinutes(15), Duration.ofMinutes(5), 2, Duration.ofSeconds(5),
                    Set.of("prod-ops"), 2, 1)),
            List.of());

    static Grant grant(String env, String... scopes) {
        return new Grant("gr_test", "coding-agent", env, List.of(scopes), List.of("vol-7f3a"), "a reason of some words",
                null, 1, List.of(), GrantStatus.PENDING, NOW, NOW.plusSeconds(900), null, null, null, null, 0, null, 1);
    }

    @Test
    void termsWhenOnlyGrantRequiredWriteThenNotDestructiveAndTheFlagIsShown() {
        GrantTerms t = GrantTerms.of(POLICY, grant("production", "variable:write"));
        assertFalse(t.destructive(), "production, but nothing in it is irreversible");
        GrantTerms.ScopeRisk s = t.scopes().get(0);
        assertEquals("write", s.riskLabel());
        assertTrue(s.grantRequired());
        assertEquals("Set variables.", s.description());
    }

    @Test
    void termsWhenAnyScopeDestructiveThenDestructiveInAnyEnvironment() {
        assertTrue(GrantTerms.of(POLICY, grant("staging", "variable:write", "volume:delete")).destructive());
        assertEquals(List.of("write", "destructive"), GrantTerms.of(POLICY, grant("staging", "variable:write",
                "volume:delete")).scopes().stream().map(GrantTerms.ScopeRisk::riskLabel).toList());
    }

    @Test
    void termsWhenScopeNoLongerInThePolicyThenUnknownAndCountedDestructive() {
        GrantTerms t = GrantTerms.of(POLICY, grant("staging", "bucket:purge"));
        assertEquals("unknown", t.scopes().get(0).riskLabel());
        assertFalse(t.scopes().get(0).known());
        assertTrue(t.destructive(), "an approver is warned, never reassured, about what the policy cannot name");
    }

    @Test
    void termsCarryTheGrantRulesUsesAndTheLifetimeClampedToTheEnvironmentsCap() {
        GrantTerms prod = GrantTerms.of(POLICY, grant("production", "volume:delete"));
        assertEquals(2, prod.uses());
        assertEquals(Duration.ofMinutes(3), prod.tokenLifetime(), "grants.yaml says 5m; production caps tokens at 3m");
        GrantTerms staging = GrantTerms.of(POLICY, grant("staging", "volume:delete"));
        assertEquals(GrantRules.DEFAULT_USES, staging.uses());
        assertEquals(GrantRules.DEFAULT_TOKEN_LIFETIME, staging.tokenLifetime());
    }
}
