package dev.airlock.core.policy;

import static dev.airlock.core.policy.PolicyLoaderTest.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** agents.yaml {@code introspect}: the resource servers that may call RFC 7662 introspection, and for what (issue 16). */
class IntrospectorsPolicyTest {
    static final String GATEWAY = "\n  - id: edge\n    auth: client_secret_basic\n";

    @Test
    void theShippedResourceServerIntrospectsItsEnvironmentsAndGetsNoTokensAgentsIntrospectNothing() throws Exception {
        Policy p = PolicyLoader.load(TestAirlock.EXAMPLE_POLICY);
        Agent gateway = p.agent("api-gateway").orElseThrow();
        assertEquals(Set.of("staging", "production"), gateway.introspect());
        assertTrue(gateway.environments().isEmpty(), "a resource server needs no environments of its own");
        assertFalse(gateway.introspects("dev"));
        assertEquals(Set.of(), p.agent("coding-agent").orElseThrow().introspect());
    }

    @Test
    void introspectWithUnknownDuplicateOrNoEnvironmentsThenLocatedErrors() throws Exception {
        PolicyCopy copy = PolicyCopy.ofShipped();
        int line = Files.readAllLines(copy.dir.resolve("agents.yaml")).size() + 4;
        copy.append("agents.yaml", GATEWAY + "    introspect: [staging, qa, staging]\n"
                + "  - id: edge2\n    auth: client_secret_basic\n    introspect: []\n");
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(copy.dir));
        List<PolicyProblem> p = e.problems();
        assertEquals(3, p.size(), e.getMessage());
        assertProblem(p.get(0), "agents.yaml", line, "agents[3].introspect[1]", "unknown environment 'qa'");
        assertProblem(p.get(1), "agents.yaml", line, "agents[3].introspect[2]", "listed twice");
        assertProblem(p.get(2), "agents.yaml", line + 3, "agents[4].introspect", "no environments");
    }

    @Test
    void aClientWithNeitherEnvironmentsNorIntrospectThenLocatedError() throws Exception {
        PolicyCopy copy = PolicyCopy.ofShipped().append("agents.yaml", GATEWAY);
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(copy.dir));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertEquals("agents[3]", e.problems().get(0).path());
        assertTrue(e.problems().get(0).message().contains("'introspect' for a resource server"), e.getMessage());
    }
}
