package dev.airlock.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.airlock.testing.PreconditionPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The policy owns the rule that a precondition guards a destructive scope, however it is built (issue 16). */
class PolicyPreconditionsTest {
    @Test
    void policyWhenBuiltInCodeWithAPreconditionOnAScopeThatIsNotDestructiveThenRefused() throws Exception {
        Policy loaded = PolicyLoader.load(PreconditionPolicy.write());
        Precondition onRead = new Precondition("volume:read", "generic-rest", Set.of(),
                new Precondition.Request("/v1/snapshots", Map.of()), new Precondition.Expect("/s", "/id", "/v", "{resource}",
                null, null, Duration.ofHours(1), "/c"), 0, "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Policy(loaded.environments(),
                loaded.scopes(), loaded.agents(), Map.of(), List.of(), GrantLimits.DEFAULT, Set.of(), List.of(onRead)));
        assertEquals("precondition on volume:read, which is not a destructive scope", e.getMessage());
    }

    @Test
    void preconditionsForWhenLimitedToEnvironmentsThenOnlyThere() throws Exception {
        Precondition p = PolicyLoader.load(PreconditionPolicy.write()).preconditions().get(0);
        Precondition production = new Precondition(p.scope(), p.provider(), Set.of("production"), p.request(), p.expect(),
                0, "");
        assertEquals(true, production.appliesTo("production", "volume:delete"));
        assertEquals(false, production.appliesTo("staging", "volume:delete"));
        assertEquals(true, p.appliesTo("staging", "volume:delete"));
    }
}
