package dev.airlock.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.policy.PolicyProblem;
import dev.airlock.core.policy.Precondition;
import dev.airlock.testing.PreconditionPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * grants.yaml's preconditions at load (issue 16): strict, located errors for what the policy alone can tell, and the
 * request derived through the provider's own rules once the providers are loaded: it must map, to scopes that only
 * read, about the guarded resource alone.
 */
class PreconditionLoadTest {
    /** The line of {@code scope: volume:delete} under preconditions in the uncommented example. */
    @Test
    void loadWhenTheShippedExampleIsUncommentedThenItLoadsAndItsRequestMapsToVolumeRead() throws Exception {
        Path dir = PreconditionPolicy.write();
        Policy policy = PolicyLoader.load(dir);
        ProviderLoader.load(dir.resolve("providers"), policy);
        Precondition p = policy.preconditions().get(0);
        assertEquals("volume:delete", p.scope());
        assertEquals("generic-rest", p.provider());
        assertEquals(Duration.ofHours(24), p.expect().youngerThan());
        assertEquals("/storedOn", p.expect().outsideField());
        assertEquals(List.of(p), policy.preconditionsFor("staging", "volume:delete"));
        assertEquals(List.of(), policy.preconditionsFor("staging", "db:drop"));
        assertEquals("volume:delete: generic-rest GET /v1/snapshots?volumeId={resource}", p.describe());
    }

    @Test
    void loadWhenThePreconditionNamesAScopeThatIsNotDestructiveThenLocatedError() throws Exception {
        List<PolicyProblem> problems = policyProblems(edit("scope: volume:delete", "scope: volume:read"));
        PolicyProblem p = problems.get(0);
        assertEquals("grants.yaml", p.file());
        assertEquals("preconditions[0].scope", p.path());
        assertTrue(p.line() > 0);
        assertTrue(p.message().contains("volume:read is not destructive"), p.message());
    }

    @Test
    void loadWhenTheRequestMethodIsNotGetThenLocatedError() throws Exception {
        PolicyProblem p = policyProblems(edit("{method: GET,", "{method: POST,")).get(0);
        assertEquals("preconditions[0].request.method", p.path());
        assertTrue(p.message().startsWith("only GET"), p.message());
    }

    @Test
    void loadWhenATemplateHasAnUnknownPlaceholderThenLocatedError() throws Exception {
        PolicyProblem p = policyProblems(edit("equals: \"{resource}\"", "equals: \"{volume}\"")).get(0);
        assertEquals("preconditions[0].expect.match.equals", p.path());
        assertTrue(p.message().contains("unknown placeholder {volume}"), p.message());
    }

    @Test
    void loadWhenExpectHasAnUnknownKeyThenLocatedError() throws Exception {
        PolicyProblem p = policyProblems(edit("younger_than: 24h", "younger_than: 24h\n      newer_than: 1h")).get(0);
        assertEquals("preconditions[0].expect.newer_than", p.path());
    }

    @Test
    void loadWhenYoungerThanIsAboveTheMaximumThenLocatedError() throws Exception {
        PolicyProblem p = policyProblems(edit("younger_than: 24h", "younger_than: 721h")).get(0);
        assertEquals("preconditions[0].expect.younger_than", p.path());
        assertTrue(p.message().contains("above the maximum of 720h"), p.message());
    }

    @Test
    void loadWhenTheProviderIsUnknownThenLocatedErrorInGrantsYaml() throws Exception {
        PolicyProblem p = providerProblems(edit("provider: generic-rest", "provider: nowhere")).get(0);
        assertEquals("grants.yaml", p.file());
        assertEquals("preconditions[0].provider", p.path());
        assertTrue(p.line() > 0);
        assertTrue(p.message().contains("unknown provider 'nowhere' (known: generic-rest, railway, volumes-mcp)"), p.message());
    }

    @Test
    void loadWhenTheRequestMapsToADestructiveScopeThenLocatedError() throws Exception {
        Path dir = edit("path: /v1/snapshots, query: {volumeId: \"{resource}\"}", "path: \"/v1/volumes/{resource}/wipe-preview\"");
        Path rest = dir.resolve("providers/generic-rest.yaml");
        // A read by its method, which the policy author nevertheless maps to volume:delete (the path says wipe).
        Files.writeString(rest, Files.readString(rest) + "  - method: GET\n    path: /v1/volumes/{id}/wipe-preview\n"
                + "    scope: volume:delete\n    resources:\n      - from: path\n        name: id\n");
        PolicyProblem p = providerProblems(dir).get(0);
        assertEquals("preconditions[0].request", p.path());
        assertTrue(p.message().contains("maps to GET /v1/volumes/{id}/wipe-preview -> volume:delete, which is destructive"),
                p.message());
    }

    @Test
    void loadWhenTheRequestMapsToNoRuleThenLocatedError() throws Exception {
        PolicyProblem p = providerProblems(edit("path: /v1/snapshots,", "path: /v1/backups,")).get(0);
        assertEquals("preconditions[0].request", p.path());
        assertTrue(p.message().contains("does not map through provider generic-rest's rules (unmapped_request"),
                p.message());
    }

    @Test
    void loadWhenTheRequestReadsAboutAnotherResourceThenLocatedError() throws Exception {
        PolicyProblem p = providerProblems(edit("query: {volumeId: \"{resource}\"}", "query: {volumeId: vol-9c1e}"))
                .get(0);
        assertTrue(p.message().contains("touches resource 'vol-9c1e', not the grant's own"), p.message());
    }

    @Test
    void loadWhenTheProviderIsGraphqlThenLocatedError() throws Exception {
        PolicyProblem p = providerProblems(edit("provider: generic-rest", "provider: railway")).get(0);
        assertTrue(p.message().contains("preconditions send a REST GET"), p.message());
    }

    @Test
    void sampleIdsMatchTheirSyntaxAndAreShortest() {
        IdSyntax ids = IdSyntax.of(java.util.Map.of("volume", "vol-[a-z0-9]+(-[a-z0-9]+)*", "db", "(?:db|pg)_[0-9]{3}x?"));
        assertEquals("vol-a", ids.sample("volume"));
        assertEquals("db_000", ids.sample("db"));
        assertEquals("A", ids.sample("service"));
        assertEquals(null, IdSyntax.of(java.util.Map.of("volume", "[a-z]*")).sample("volume"));
    }

    // --- helpers ---

    private static Path edit(String from, String to) throws Exception {
        Path dir = PreconditionPolicy.write();
        Path grants = dir.resolve("grants.yaml");
        String text = Files.readString(grants);
        int at = text.indexOf("preconditions:\n");
        int i = text.indexOf(from, at);
        if (at < 0 || i < 0) throw new IllegalStateException("no '" + from + "' in the example precondition");
        Files.writeString(grants, text.substring(0, i) + to + text.substring(i + from.length()));
        return dir;
    }

    private static List<PolicyProblem> policyProblems(Path dir) {
        return assertThrows(PolicyException.class, () -> PolicyLoader.load(dir)).problems();
    }

    private static List<PolicyProblem> providerProblems(Path dir) throws Exception {
        Policy policy = PolicyLoader.load(dir);
        return assertThrows(PolicyException.class, () -> ProviderLoader.load(dir.resolve("providers"), policy)).problems();
    }
}
