package dev.airlock.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.policy.PolicyProblem;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped providers against the shipped policy, then one fixture folder per way a provider file can be wrong. */
class ProviderLoaderTest {
    static final Path FIXTURES = Path.of("src/test/resources/providers");
    static final String SECRET = "sk-live-4f9a8b7c6d5e";
    static Policy policy;

    @BeforeAll
    static void loadPolicy() throws Exception {
        policy = PolicyLoader.load(Path.of("scopes"));
    }

    // --- the shipped examples, scopes/providers/ ---

    @Test
    void shippedProvidersLoadAgainstTheShippedPolicy() throws Exception {
        Providers providers = ProviderLoader.load(Path.of("scopes/providers"), policy);
        assertEquals(List.of("generic-rest", "railway", "volumes-mcp"),
                providers.all().stream().map(Provider::name).toList());

        Provider railway = providers.get("railway").orElseThrow();
        assertEquals(Provider.Kind.GRAPHQL, railway.kind());
        assertEquals(URI.create("https://backboard.railway.com"), railway.upstream());
        assertEquals(new CredentialSource.FromEnv("RAILWAY_TOKEN"), railway.credential());
        assertEquals("Authorization", railway.injection().header());
        assertEquals("Bearer tok", railway.injection().render("tok"));
        GraphQlMapper graphql = (GraphQlMapper) railway.mapper();
        assertEquals("/graphql/v2", graphql.endpoint());
        assertNull(graphql.introspectionScope());
        Set<String> mutations = graphql.rules().stream().filter(r -> r.operation() == GraphQlRule.Operation.MUTATION)
                .map(GraphQlRule::field).collect(Collectors.toSet());
        assertTrue(mutations.containsAll(Set.of("volumeDelete", "serviceDelete", "environmentDelete", "projectDelete",
                "variableUpsert", "deploymentRestart")), mutations.toString());
        assertTrue(graphql.rules().stream().anyMatch(r -> r.operation() == GraphQlRule.Operation.QUERY
                && r.field().equals("volume") && r.scope().equals("volume:read")));

        Provider rest = providers.get("generic-rest").orElseThrow();
        assertEquals(Provider.Kind.REST, rest.kind());
        assertTrue(((RestMapper) rest.mapper()).rules().stream().anyMatch(r -> r.describe().equals("DELETE /v1/volumes/{id}")
                && r.scope().equals("volume:delete")));

        Provider mcp = providers.get("volumes-mcp").orElseThrow();
        assertEquals(Provider.Kind.MCP, mcp.kind());
        assertEquals(URI.create("https://mcp.volumes.example.com/mcp"), mcp.upstream());
        McpRule delete = ((McpMapper) mcp.mapper()).rule("delete_volume").orElseThrow();
        assertEquals("volume:delete", delete.scope());
        assertEquals("/volumeId", delete.resources().get(0).toString());
        assertTrue(delete.shape().destructive());
    }

    @Test
    void everyScopeTheShippedProvidersNameIsInTheShippedPolicy() throws Exception {
        Providers providers = ProviderLoader.load(Path.of("scopes/providers"), policy);
        for (Provider p : providers.all()) {
            List<String> scopes = p.mapper() instanceof GraphQlMapper g
                    ? g.rules().stream().map(GraphQlRule::scope).toList()
                    : p.mapper() instanceof McpMapper m ? m.rules().stream().map(McpRule::scope).toList()
                    : ((RestMapper) p.mapper()).rules().stream().map(RestRule::scope).toList();
            for (String s : scopes) assertTrue(policy.scope(s).isPresent(), p.name() + " names " + s);
        }
    }

    @Test
    void missingFolderMeansNoProviders(@TempDir Path dir) throws Exception {
        assertTrue(ProviderLoader.load(dir.resolve("providers"), policy).isEmpty());
    }

    @Test
    void folderThatIsAFileIsUnreadable(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("providers"), "kind: rest\n");
        PolicyException e = assertThrows(PolicyException.class, () -> ProviderLoader.load(file, policy));
        assertTrue(e.unreadable());
    }

    // --- located errors ---

    @Test
    void unknownKeysAreRefusedWithFileLineAndFieldAndAllAreReported() {
        List<String> problems = invalid("unknown-key");
        assertEquals(List.of(
                "unknown-key/demo.yaml:3: upstreem: unknown key 'upstreem' (allowed: kind, upstream, credential, inject,"
                        + " rules, description, endpoint, introspection_scope, ids, credential_patterns)",
                "unknown-key/demo.yaml:10: rules[0]: missing required key 'scope'",
                "unknown-key/demo.yaml:12: rules[0].scopes: unknown key 'scopes' (allowed: method, path, scope,"
                        + " resources, reason, description)"), problems);
    }

    @Test
    void scopeNotInThePolicyIsAnError() {
        assertEquals(List.of("unknown-scope/demo.yaml:15: rules[1].scope: unknown scope 'volume:wipe' (every scope a"
                + " provider names must be in scopes.yaml)"), invalid("unknown-scope"));
    }

    @Test
    void duplicateYamlKeyMakesTheFolderUnreadable() {
        PolicyException e = assertThrows(PolicyException.class,
                () -> ProviderLoader.load(FIXTURES.resolve("unreadable"), policy));
        assertTrue(e.unreadable());
        PolicyProblem p = e.problems().get(0);
        assertEquals("unreadable/demo.yaml", p.file());
        assertEquals(5, p.line());
        assertTrue(p.message().contains("duplicate key 'credential'"), p.message());
    }

    @Test
    void fileNameIsTheProviderNameAndMustBeWellFormed() {
        // README.md beside it is not a provider file and is not read.
        assertEquals(List.of("bad-name/Bad_Name.yaml: malformed provider name 'Bad_Name': the file name is the"
                + " provider's name and must match [a-z0-9][a-z0-9-]{0,63}"), invalid("bad-name"));
    }

    // --- the credential never lives in the file ---

    @Test
    void credentialWrittenIntoTheFileIsRefusedWithoutEchoingIt() {
        List<String> problems = invalid("literal-credential");
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("literal-credential/as-env-name.yaml:4: credential.env: must be the name"
                + " of an environment variable"), problems.get(0));
        assertTrue(problems.get(1).startsWith("literal-credential/as-key.yaml:4: credential.value: a credential value"
                + " in a provider file is refused"), problems.get(1));
        assertTrue(problems.get(2).startsWith("literal-credential/as-string.yaml:3: credential: a credential is never"
                + " written into a provider file"), problems.get(2));
        assertTrue(problems.get(3).startsWith("literal-credential/in-template.yaml:7: inject.template: the template"
                + " must contain {credential} exactly once"), problems.get(3));
        for (String p : problems) assertFalse(p.contains(SECRET), "echoes the secret: " + p);
    }

    @Test
    void upstreamMustBeAnAbsoluteHttpUrlWithoutUserInfoOrQuery() {
        List<String> problems = invalid("bad-upstream");
        assertEquals(List.of(
                "bad-upstream/ftp.yaml:2: upstream: the upstream must be an absolute http or https URL with a host",
                "bad-upstream/query.yaml:2: upstream: the upstream URL must not have a query or fragment (a token in a"
                        + " query string is still a token)",
                "bad-upstream/relative.yaml:2: upstream: the upstream must be an absolute http or https URL with a host",
                "bad-upstream/userinfo.yaml:2: upstream: the upstream URL must not contain user info: a credential"
                        + " belongs under credential:"), problems);
        for (String p : problems) assertFalse(p.contains(SECRET), "echoes the secret: " + p);
    }

    @Test
    void injectionNeedsAUsableHeaderAndOnePlaceholder() {
        assertEquals(List.of(
                "bad-template/demo.yaml:6: inject.header: header Content-Length cannot carry a credential",
                "bad-template/demo.yaml:7: inject.template: the template must contain {credential} exactly once"),
                invalid("bad-template"));
    }

    // --- rules that would make mapping a guess ---

    @Test
    void overlappingRestTemplatesOfOneMethodAreRefused() {
        // GET /v1/volumes/latest matches both; DELETE /v1/volumes/latest is another method and fine.
        assertEquals(List.of("overlap/demo.yaml:15: rules[1]: overlaps rules[0] (GET /v1/volumes/{id}): some GET"
                + " request would match both, and which one applies would be a guess"), invalid("overlap"));
    }

    @Test
    void mutationOrDeleteMappedToAReadScopeIsRefused() {
        // A DELETE is destructive by its shape, so the shape rule refuses its read scope (and any non-destructive one).
        assertEquals(List.of(
                "read-scope/graphql.yaml:11: rules[0].scope: a mutation cannot need only the read scope 'variable:read';"
                        + " map it to a write or destructive scope",
                "read-scope/rest.yaml:11: rules[0].scope: DELETE /v1/volumes/{id} is destructive by its shape (method"
                        + " DELETE) and may map only to a destructive scope, not the read scope 'volume:read'"),
                invalid("read-scope"));
    }

    // --- destructive by shape, whatever the scope says ---

    @Test
    void loadWhenAnOperationIsDestructiveByItsShapeButMapsToANonDestructiveScopeThenLocatedErrorNamingTheShape() {
        assertEquals(List.of(
                "shape-destructive/graphql.yaml:11: rules[0].scope: mutation volumeDelete is destructive by its shape"
                        + " (field name 'volumeDelete' contains the destructive word 'delete') and may map only to a"
                        + " destructive scope, not the write scope 'volume:write'",
                "shape-destructive/graphql.yaml:15: rules[1].scope: mutation purgeCache is destructive by its shape"
                        + " (field name 'purgeCache' contains the destructive word 'purge') and may map only to a"
                        + " destructive scope, not the write scope 'service:restart'",
                "shape-destructive/graphql.yaml:19: rules[2].scope: query dropTable is destructive by its shape (field"
                        + " name 'dropTable' contains the destructive word 'drop') and may map only to a destructive"
                        + " scope, not the read scope 'db:read'",
                "shape-destructive/rest.yaml:11: rules[0].scope: DELETE /v1/databases/{id} is destructive by its shape"
                        + " (method DELETE) and may map only to a destructive scope, not the write scope 'db:write'",
                "shape-destructive/rest.yaml:17: rules[1].scope: POST /v1/volumes/{id}/purge is destructive by its"
                        + " shape (path segment 'purge' contains the destructive word 'purge') and may map only to a"
                        + " destructive scope, not the write scope 'volume:write'",
                "shape-destructive/rest.yaml:23: rules[2].scope: POST /v1/db/{id}/drop-all is destructive by its shape"
                        + " (path segment 'drop-all' contains the destructive word 'drop') and may map only to a"
                        + " destructive scope, not the write scope 'db:write'",
                "shape-destructive/rest.yaml:29: rules[3].scope: GET /v1/services/{id}/forceDelete is destructive by"
                        + " its shape (path segment 'forceDelete' contains the destructive word 'delete') and may map"
                        + " only to a destructive scope, not the read scope 'service:read'"),
                invalid("shape-destructive"));
    }

    @Test
    void loadWhenAStateChangingRuleDoesNotSayWhereItsResourcesComeFromThenLocatedError() {
        assertEquals(List.of(
                "shape-resources/graphql.yaml:10: rules[0]: mutation variableUpsert can change state, so it must say"
                        + " where its resources come from, or declare resources: none with a reason if it is an"
                        + " account-level action; without resources it is checked against the scope alone, in every"
                        + " environment",
                "shape-resources/graphql.yaml:14: rules[1].resources: mutation serviceStop maps to the destructive scope"
                        + " 'service:delete' and cannot be resources: none: a destructive action is refused without a"
                        + " resource (resource_required), so name where its resources come from",
                "shape-resources/rest.yaml:9: rules[0]: PATCH /v1/volumes/{id} can change state, so it must say where"
                        + " its resources come from, or declare resources: none with a reason if it is an account-level"
                        + " action; without resources it is checked against the scope alone, in every environment",
                "shape-resources/rest.yaml:15: rules[1].resources: resources: none needs a reason: \"...\" beside it,"
                        + " saying why this operation acts on no particular resource (lint lists it as an account-level"
                        + " action)",
                "shape-resources/rest.yaml:19: rules[2].resources: DELETE /v1/volumes/{id} is destructive by its shape"
                        + " (method DELETE) and cannot be resources: none: a destructive action is refused without a"
                        + " resource (resource_required), so name where its resources come from",
                "shape-resources/rest.yaml:24: rules[3].reason: reason is only for resources: none (it says why a rule"
                        + " names no resource)",
                "shape-resources/rest.yaml:31: rules[4].resources: an empty list names no resource: list where the"
                        + " resources come from, or write resources: none with a reason",
                "shape-resources/rest.yaml:36: rules[5].reason: a reason is 1 to 200 printable ASCII characters on one"
                        + " line, and not blank"),
                invalid("shape-resources"));
    }

    @Test
    void loadWhenResourcesNoneHasAReasonThenTheRuleIsAnAccountLevelAction() throws Exception {
        Providers providers = ProviderLoader.load(FIXTURES.resolve("account-level"), policy);
        RestRule create = ((RestMapper) providers.get("demo").orElseThrow().mapper()).rules().get(0);
        assertEquals("creates a new volume; the API assigns its id", create.accountLevelReason());
        assertEquals(OperationShape.Resources.NONE, create.resourcesDeclared());
        assertEquals(List.of(), create.resources());
        GraphQlRule project = ((GraphQlMapper) providers.get("graph").orElseThrow().mapper()).rules().get(0);
        assertEquals("a new project has no id yet", project.accountLevelReason());
        // A listing (GET, no resources) is not account-level: it changes nothing.
        assertNull(((RestMapper) providers.get("demo").orElseThrow().mapper()).rules().get(1).accountLevelReason());
    }

    @Test
    void oneGraphQlFieldMappedTwiceIsRefused() {
        assertEquals(List.of("duplicate-rule/demo.yaml:14: rules[1]: mutation volumeDelete is already mapped by rules[0]"),
                invalid("duplicate-rule"));
    }

    @Test
    void kindDecidesWhichKeysExist() {
        assertEquals(List.of(
                "kind-keys/graphql-without-endpoint.yaml:1: missing required key 'endpoint' (the path GraphQL is served"
                        + " at, such as /graphql)",
                "kind-keys/rest-with-endpoint.yaml:3: endpoint: endpoint is only for kind: graphql",
                "kind-keys/soap.yaml:1: kind: kind must be rest, graphql or mcp, not 'soap'"), invalid("kind-keys"));
    }

    @Test
    void resourceSourcesMustPointAtSomethingThatExists() {
        assertEquals(List.of(
                "bad-resources/graphql.yaml:13: rules[0].resources[0].arg: malformed argument path: 'input..serviceId'"
                        + " is not an argument path like volumeId or input.id",
                "bad-resources/graphql.yaml:14: rules[1].query: introspection fields are not mapped by rules: set"
                        + " introspection_scope instead",
                "bad-resources/rest.yaml:14: rules[0].resources[0].name: the path has no parameter {volumeId} (it has {id})",
                "bad-resources/rest.yaml:20: rules[1].resources[0].pointer: GET requests have no body to read a"
                        + " resource from",
                "bad-resources/rest.yaml:26: rules[2].resources[0].pointer: malformed JSON Pointer 'volume/id' (RFC"
                        + " 6901, such as /volume/id)",
                "bad-resources/rest.yaml:28: rules[3].path: malformed path template '/v1/volumes/../admin': '.' and"
                        + " '..' segments are not allowed"), invalid("bad-resources"));
    }

    @Test
    void introspectionScopeAndFileCredentialAreRead() throws Exception {
        Provider p = ProviderLoader.load(FIXTURES.resolve("introspection"), policy).get("schema-reader").orElseThrow();
        assertEquals("service:read", ((GraphQlMapper) p.mapper()).introspectionScope());
        assertEquals(new CredentialSource.FromFile(Path.of("/run/secrets/schema-reader")), p.credential());
        assertEquals("X-Api-Key", p.injection().header());
        assertEquals("k", p.injection().render("k"));
        assertInstanceOf(GraphQlMapper.class, p.mapper());
    }

    private static List<String> invalid(String fixture) {
        PolicyException e = assertThrows(PolicyException.class,
                () -> ProviderLoader.load(FIXTURES.resolve(fixture), policy));
        assertFalse(e.unreadable(), e.getMessage());
        return e.problems().stream().map(PolicyProblem::toString).toList();
    }
}
