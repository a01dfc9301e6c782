package dev.airlock.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.policy.PolicyProblem;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What lint re-derives from loaded providers. The loader refuses all of these first; the rules below are built in code,
 * as a buggy loader could build them, to show that lint judges the rules themselves and not the loader's word.
 */
class ProviderLintTest {
    static Policy policy;

    @BeforeAll
    static void load() throws Exception {
        policy = PolicyLoader.load(Path.of("scopes"));
    }

    @Test
    void shippedProvidersAreClassifiedRuleByRuleWithTheirAccountLevelActionsListed() throws Exception {
        ProviderLint lint = ProviderLint.of(ProviderLoader.load(Path.of("scopes/providers"), policy), policy);
        assertEquals(List.of(), lint.violations());
        assertEquals(28, lint.rules());
        // generic-rest: DELETE volumes, services, databases; railway: four *Delete mutations; volumes-mcp: delete_volume.
        assertEquals(8, lint.destructive());
        assertEquals(List.of(new ProviderLint.AccountLevel("generic-rest", "POST /v1/volumes", "volume:write",
                "creates a new volume; the API assigns its id, so there is no resource to check yet"),
                new ProviderLint.AccountLevel("volumes-mcp", "tools/call list_volumes", "volume:read",
                        "lists the volumes the provider account can see")), lint.accountLevel());
    }

    @Test
    void lintWhenALoadedDeleteRuleMapsToAWriteScopeThenViolationNamingTheShape() {
        ProviderLint lint = ProviderLint.of(rest(new RestRule("DELETE", PathTemplate.parse("/v1/databases/{id}"), "db:write",
                List.of(new RestRule.FromPath("id")), null)), policy);
        assertEquals(List.of(new PolicyProblem("providers/demo.yaml", 0, "rules[0]", "DELETE /v1/databases/{id} is"
                + " destructive by its shape (method DELETE) and may map only to a destructive scope, not the write scope"
                + " 'db:write'")), lint.violations());
        assertEquals(1, lint.destructive());
    }

    @Test
    void lintWhenALoadedMutationHasNoResourcesThenViolation() {
        ProviderLint lint = ProviderLint.of(graphql(new GraphQlRule(GraphQlRule.Operation.MUTATION, "variableUpsert",
                "variable:write", List.of(), null)), policy);
        assertEquals(1, lint.violations().size(), lint.violations().toString());
        assertEquals("rules[0]", lint.violations().get(0).path());
        assertEquals(0, lint.destructive());
    }

    @Test
    void lintWhenALoadedDestructiveMutationIsResourcesNoneThenViolation() {
        ProviderLint lint = ProviderLint.of(graphql(new GraphQlRule(GraphQlRule.Operation.MUTATION, "volumeDelete",
                "volume:delete", List.of(), "deletes the one volume there is")), policy);
        assertEquals(List.of(new PolicyProblem("providers/demo.yaml", 0, "rules[0]", "mutation volumeDelete is"
                + " destructive by its shape (field name 'volumeDelete' contains the destructive word 'delete') and"
                + " cannot be resources: none: a destructive action is refused without a resource (resource_required),"
                + " so name where its resources come from")), lint.violations());
    }

    @Test
    void lintWhenALoadedRuleNamesAScopeThePolicyDoesNotHaveThenViolation() {
        ProviderLint lint = ProviderLint.of(rest(new RestRule("GET", PathTemplate.parse("/v1/volumes"), "volume:list",
                List.of(), null)), policy);
        assertEquals(List.of(new PolicyProblem("providers/demo.yaml", 0, "rules[0]", "GET /v1/volumes names unknown scope"
                + " 'volume:list'")), lint.violations());
    }

    private static Providers rest(RestRule... rules) {
        return new Providers(List.of(new Provider("demo", Provider.Kind.REST, URI.create("https://api.example.com"),
                new CredentialSource.FromEnv("DEMO_TOKEN"), Injection.of("Authorization", "Bearer {credential}"),
                new RestMapper("demo", List.of(rules)))));
    }

    private static Providers graphql(GraphQlRule... rules) {
        return new Providers(List.of(new Provider("demo", Provider.Kind.GRAPHQL, URI.create("https://api.example.com"),
                new CredentialSource.FromEnv("DEMO_TOKEN"), Injection.of("Authorization", "Bearer {credential}"),
                new GraphQlMapper("demo", "/graphql", List.of(rules), null))));
    }
}
