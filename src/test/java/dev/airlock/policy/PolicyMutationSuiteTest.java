package dev.airlock.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.PolicyCopy;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shipped {@code scopes/} (providers included) with one mistake an author could make, linted exactly as the CLI
 * does. Every REJECTED mutation must fail the lint with exit 1 and a located finding (file and line) that names the
 * right thing. Every ACCEPTED mutation is proved harmless on a running Airlock ({@link HarmlessnessProbe}): no
 * agent's automatic token gets any destructive operation of any provider through to the upstream. A mutation moves
 * from one list to the other only with a reason.
 */
class PolicyMutationSuiteTest {
    static final String SECRET = "sk-live-4f9a8b7c6d5e";
    static final String SCOPES = "scopes.yaml";
    static final String AGENTS = "agents.yaml";
    static final String ENVIRONMENTS = "environments.yaml";
    static final String REST = "providers/generic-rest.yaml";
    static final String RAILWAY = "providers/railway.yaml";
    static final String STAGING_SCOPES =
            "      staging:\n        scopes: [db:read, db:write, volume:read, volume:write, service:read, service:restart]";

    @TempDir
    Path tmp;

    /** One mistake: how to make it, the file lint must point at, and words its finding must contain. */
    record Rejected(UnaryOperator<PolicyCopy> edit, String file, String expect) {}

    static Arguments rejected(String name, String file, String expect, UnaryOperator<PolicyCopy> edit) {
        return Arguments.of(Named.of(name, new Rejected(edit, file, expect)));
    }

    static Stream<Arguments> rejectedMutations() {
        return Stream.of(
                // --- issue 12, finding 1 ---
                rejected("DELETE /v1/databases/{id} to db:write, resources dropped", REST,
                        "DELETE /v1/databases/{id} is destructive by its shape (method DELETE)",
                        p -> p.replace(REST, DerivedDestructivenessFindingsTest.DATABASE_DELETE_RULE,
                                DerivedDestructivenessFindingsTest.DATABASE_DELETE_AS_WRITE)),
                rejected("mutation volumeDelete to volume:write", RAILWAY,
                        "mutation volumeDelete is destructive by its shape (field name 'volumeDelete' contains the"
                                + " destructive word 'delete')",
                        p -> p.replace(RAILWAY, "  - mutation: volumeDelete\n    scope: volume:delete",
                                "  - mutation: volumeDelete\n    scope: volume:write")),
                // --- issue 12, finding 2: verbs with a destructive part declared write ---
                rejected("volume:destroy_all declared write", SCOPES, "built-in destructive word 'destroy'",
                        p -> newScope(p, "volume:destroy_all", "write")),
                rejected("volume:delete_all declared write", SCOPES, "built-in destructive word 'delete'",
                        p -> newScope(p, "volume:delete_all", "write")),
                rejected("volume:force-delete declared write", SCOPES, "built-in destructive word 'delete'",
                        p -> newScope(p, "volume:force-delete", "write")),
                rejected("volume:rm declared write", SCOPES, "built-in destructive word 'rm'",
                        p -> newScope(p, "volume:rm", "write")),
                rejected("db:drop_table declared write", SCOPES, "built-in destructive word 'drop'",
                        p -> newScope(p, "db:drop_table", "write")),
                rejected("db:expunge declared read", SCOPES, "built-in destructive word 'expunge'",
                        p -> newScope(p, "db:expunge", "read")),
                rejected("service:tear_down declared write", SCOPES, "built-in destructive word 'teardown'",
                        p -> newScope(p, "service:tear_down", "write")),
                // --- scopes ---
                rejected("volume:delete lowered to write", SCOPES, "'volume:delete' cannot be risk write",
                        p -> p.replace(SCOPES, "  - name: volume:delete\n    risk: destructive",
                                "  - name: volume:delete\n    risk: write")),
                rejected("db:drop lowered to read", SCOPES, "'db:drop' cannot be risk read",
                        p -> p.replace(SCOPES, "  - name: db:drop\n    risk: destructive", "  - name: db:drop\n    risk: read")),
                // --- agents ---
                rejected("grantable volume:delete moved into production's automatic scopes", AGENTS,
                        "'volume:delete' is destructive and cannot be under scopes",
                        p -> p.replace(AGENTS, "        scopes: [db:read]\n        grantable: [volume:delete, db:drop, service:delete]",
                                "        scopes: [db:read, volume:delete]\n        grantable: [db:drop, service:delete]")),
                rejected("volume:delete added to staging's automatic scopes", AGENTS,
                        "'volume:delete' is destructive and cannot be under scopes",
                        p -> p.replace(AGENTS, STAGING_SCOPES, STAGING_SCOPES.replace("]", ", volume:delete]"))),
                rejected("db:drop in dev's default_scopes", AGENTS, "'db:drop' is destructive and cannot be under default_scopes",
                        p -> p.replace(AGENTS, "        default_scopes: [db:read, volume:read, service:read]\n"
                                        + "        grantable: [db:drop, volume:delete, service:delete]\n      staging:",
                                "        default_scopes: [db:read, volume:read, service:read, db:drop]\n"
                                        + "        grantable: [db:drop, volume:delete, service:delete]\n      staging:")),
                rejected("service:delete added to deploy-bot's production scopes", AGENTS,
                        "'service:delete' is destructive and cannot be under scopes",
                        p -> p.replace(AGENTS, "      production:\n        scopes: [service:read, service:restart, deployment:restart]",
                                "      production:\n        scopes: [service:read, service:restart, deployment:restart, service:delete]")),
                rejected("grant_required variable:write added to staging's automatic scopes", AGENTS,
                        "'variable:write' is grant_required and cannot be under scopes",
                        p -> p.replace(AGENTS, STAGING_SCOPES, STAGING_SCOPES.replace("]", ", variable:write]"))),
                rejected("unknown scope volume:wipe for an agent", AGENTS, "unknown scope 'volume:wipe'",
                        p -> p.replace(AGENTS, STAGING_SCOPES, STAGING_SCOPES.replace("]", ", volume:wipe]"))),
                // --- environments ---
                rejected("production glob vol-7f3a* overlaps staging's vol-7f3a-stg", ENVIRONMENTS,
                        "resource 'vol-7f3a*' in environment 'production' overlaps 'vol-7f3a-stg' in environment 'staging'",
                        p -> p.replace(ENVIRONMENTS, "      - id: vol-7f3a\n", "      - id: vol-7f3a*\n")),
                rejected("db-prod-main listed in staging too", ENVIRONMENTS,
                        "resource 'db-prod-main' in environment 'production' overlaps 'db-prod-main' in environment 'staging'",
                        p -> p.replace(ENVIRONMENTS, "      - id: db-stg-*\n        type: db\n",
                                "      - id: db-stg-*\n        type: db\n      - id: db-prod-main\n        type: db\n")),
                rejected("dev glob svc-*-dev widened to svc-*", ENVIRONMENTS, "overlaps 'svc-*'",
                        p -> p.replace(ENVIRONMENTS, "      - id: svc-*-dev\n", "      - id: svc-*\n")),
                rejected("production token_lifetime 20m, above the 15m cap", ENVIRONMENTS, "15m",
                        p -> p.replace(ENVIRONMENTS, "    token_lifetime: 5m\n", "    token_lifetime: 20m\n")),
                rejected("resource type volumes, which no scope has", ENVIRONMENTS, "resource type 'volumes'",
                        p -> p.replace(ENVIRONMENTS, "      - id: vol-9c1e\n        type: volume\n",
                                "      - id: vol-9c1e\n        type: volumes\n")),
                // --- REST provider rules ---
                rejected("DELETE /v1/volumes/{id} to volume:write", REST,
                        "DELETE /v1/volumes/{id} is destructive by its shape (method DELETE) and may map only to a"
                                + " destructive scope, not the write scope 'volume:write'",
                        p -> p.replace(REST, "  - method: DELETE\n    path: /v1/volumes/{id}\n    scope: volume:delete",
                                "  - method: DELETE\n    path: /v1/volumes/{id}\n    scope: volume:write")),
                rejected("DELETE /v1/services/{id} to the read scope service:read", REST,
                        "DELETE /v1/services/{id} is destructive by its shape (method DELETE) and may map only to a"
                                + " destructive scope, not the read scope 'service:read'",
                        p -> p.replace(REST, "  - method: DELETE\n    path: /v1/services/{id}\n    scope: service:delete",
                                "  - method: DELETE\n    path: /v1/services/{id}\n    scope: service:read")),
                rejected("a /purge segment mapped to the write scope service:restart", REST,
                        "path segment 'purge' contains the destructive word 'purge'",
                        p -> p.replace(REST, "    path: /v1/services/{id}/restart\n", "    path: /v1/services/{id}/purge\n")),
                rejected("POST /v1/db/{id}/drop-all added with db:write", REST,
                        "path segment 'drop-all' contains the destructive word 'drop'",
                        p -> p.append(REST, "  - method: POST\n    path: /v1/db/{id}/drop-all\n    scope: db:write\n"
                                + "    resources:\n      - from: path\n        name: id\n")),
                rejected("PATCH /v1/volumes/{id} with its resources removed", REST,
                        "PATCH /v1/volumes/{id} can change state, so it must say where its resources come from",
                        p -> p.replace(REST, "    path: /v1/volumes/{id}\n    scope: volume:write\n    resources:\n"
                                + "      - from: path\n        name: id\n", "    path: /v1/volumes/{id}\n    scope: volume:write\n")),
                rejected("POST /v1/attachments with resources: none and no reason", REST,
                        "resources: none needs a reason",
                        p -> p.replace(REST, "    resources:\n      - from: body             # {\"volume\": {\"id\":"
                                        + " \"vol-7f3a-stg\"}, \"service\": {\"id\": \"svc-api-stg\"}}\n        pointer: /volume/id\n",
                                "    resources: none\n")),
                rejected("DELETE /v1/services/{id} declared resources: none with a reason", REST,
                        "DELETE /v1/services/{id} is destructive by its shape (method DELETE) and cannot be resources: none",
                        p -> p.replace(REST, "    scope: service:delete\n    resources:\n      - from: path\n        name: id\n",
                                "    scope: service:delete\n    resources: none\n    reason: the service is the one named in the"
                                        + " path\n")),
                rejected("unknown scope volume:list in a rule", REST, "unknown scope 'volume:list'",
                        p -> p.replace(REST, "  - method: GET\n    path: /v1/volumes\n    scope: volume:read\n",
                                "  - method: GET\n    path: /v1/volumes\n    scope: volume:list\n")),
                rejected("path parameter renamed in resources but not in the template", REST,
                        "the path has no parameter {volumeId} (it has {id})",
                        p -> p.replace(REST, "    scope: volume:delete\n    resources:\n      - from: path\n        name: id\n",
                                "    scope: volume:delete\n    resources:\n      - from: path\n        name: volumeId\n")),
                rejected("a credential pasted into generic-rest.yaml", REST, "a credential is never written into a provider file",
                        p -> p.replace(REST, "credential:\n  env: EXAMPLE_API_TOKEN\n", "credential: " + SECRET + "\n")),
                rejected("a typo scopes: for scope: in a rule", REST, "unknown key 'scopes'",
                        p -> p.replace(REST, "    path: /v1/snapshots\n    scope: volume:read\n",
                                "    path: /v1/snapshots\n    scopes: volume:read\n")),
                // --- GraphQL provider rules ---
                rejected("mutation projectDelete to deployment:restart", RAILWAY,
                        "mutation projectDelete is destructive by its shape",
                        p -> p.replace(RAILWAY, "  - mutation: projectDelete\n    scope: project:delete",
                                "  - mutation: projectDelete\n    scope: deployment:restart")),
                rejected("mutation purgeCache added with service:restart", RAILWAY,
                        "field name 'purgeCache' contains the destructive word 'purge'",
                        p -> p.append(RAILWAY, "  - mutation: purgeCache\n    scope: service:restart\n    resources:\n"
                                + "      - arg: serviceId\n")),
                rejected("mutation volumeForceDelete added with volume:write", RAILWAY,
                        "field name 'volumeForceDelete' contains the destructive word 'delete'",
                        p -> p.append(RAILWAY, "  - mutation: volumeForceDelete\n    scope: volume:write\n    resources:\n"
                                + "      - arg: volumeId\n")),
                rejected("mutation variableUpsert with its resources removed", RAILWAY,
                        "mutation variableUpsert can change state, so it must say where its resources come from",
                        p -> p.replace(RAILWAY, "    scope: variable:write\n    resources:\n      - arg: input.serviceId",
                                "    scope: variable:write\n    description: the resources line was lost")),
                rejected("mutation serviceDelete declared resources: none with a reason", RAILWAY,
                        "mutation serviceDelete is destructive by its shape",
                        p -> p.replace(RAILWAY, "  - mutation: serviceDelete\n    scope: service:delete\n    resources:\n"
                                        + "      - arg: id\n",
                                "  - mutation: serviceDelete\n    scope: service:delete\n    resources: none\n"
                                        + "    reason: deletes the current service\n")),
                rejected("mutation deploymentRestart to the read scope variable:read", RAILWAY,
                        "a mutation cannot need only the read scope 'variable:read'",
                        p -> p.replace(RAILWAY, "  - mutation: deploymentRestart\n    scope: deployment:restart",
                                "  - mutation: deploymentRestart\n    scope: variable:read")),
                rejected("a token pasted into railway.yaml's inject template", RAILWAY, "{credential} exactly once",
                        p -> p.replace(RAILWAY, "  template: \"Bearer {credential}\"", "  template: \"Bearer " + SECRET + "\"")),
                rejected("a token in railway.yaml's upstream URL", RAILWAY, "must not contain user info",
                        p -> p.replace(RAILWAY, "upstream: https://backboard.railway.com",
                                "upstream: https://bot:" + SECRET + "@backboard.railway.com")));
    }

    /** Policy changes lint lets through, each proved harmless on a running Airlock. */
    static Stream<Arguments> acceptedMutations() {
        return Stream.of(
                Arguments.of(Named.of("variable:write raised to destructive", (UnaryOperator<PolicyCopy>) p ->
                        p.replace(SCOPES, "  - name: variable:write\n    risk: write\n",
                                "  - name: variable:write\n    risk: destructive\n"))),
                Arguments.of(Named.of("grant_required removed from variable:write, which no agent lists",
                        (UnaryOperator<PolicyCopy>) p -> p.replace(SCOPES, "    risk: write\n    grant_required: true\n",
                                "    risk: write\n"))),
                Arguments.of(Named.of("a description renamed", (UnaryOperator<PolicyCopy>) p ->
                        p.replace(SCOPES, "description: Delete a volume and its data.", "description: Gone for good."))),
                Arguments.of(Named.of("a harmless read rule GET /v1/databases/{id} added", (UnaryOperator<PolicyCopy>) p ->
                        p.append(REST, "  - method: GET\n    path: /v1/databases/{id}\n    scope: db:read\n    resources:\n"
                                + "      - from: path\n        name: id\n"))),
                Arguments.of(Named.of("an account-level POST /v1/services with resources: none and a reason",
                        (UnaryOperator<PolicyCopy>) p -> p.append(REST, "  - method: POST\n    path: /v1/services\n"
                                + "    scope: service:restart\n    resources: none\n    reason: creates a service; it has no"
                                + " id yet\n"))),
                Arguments.of(Named.of("POST /v1/volumes/{id}/purge added, mapped to volume:delete",
                        (UnaryOperator<PolicyCopy>) p -> p.append(REST, "  - method: POST\n    path: /v1/volumes/{id}/purge\n"
                                + "    scope: volume:delete\n    resources:\n      - from: path\n        name: id\n"))),
                Arguments.of(Named.of("a new destructive scope cache:purge and mutation purgeCache mapped to it",
                        (UnaryOperator<PolicyCopy>) p -> p
                                .append(SCOPES, "  - name: cache:purge\n    risk: destructive\n")
                                .append(RAILWAY, "  - mutation: purgeCache\n    scope: cache:purge\n    resources:\n"
                                        + "      - arg: serviceId\n"))),
                Arguments.of(Named.of("production token_lifetime shortened to 2m", (UnaryOperator<PolicyCopy>) p ->
                        p.replace(ENVIRONMENTS, "    token_lifetime: 5m\n", "    token_lifetime: 2m\n"))));
    }

    @ParameterizedTest(name = "REJECTED: {0}")
    @MethodSource("rejectedMutations")
    void lintRejectsTheMutationWithALocatedFinding(Rejected m) {
        PolicyCopy p = m.edit().apply(PolicyCopy.ofShipped(tmp));
        LintRun run = LintRun.of(p.dir);
        assertEquals(1, run.exit(), run.all());
        Pattern located = Pattern.compile("(?m)^" + Pattern.quote(p.dir.resolve(m.file()).toString()) + ":[1-9][0-9]*: .*"
                + Pattern.quote(m.expect()));
        assertTrue(located.matcher(run.err()).find(), "expected a finding at " + m.file() + ":<line> saying '" + m.expect()
                + "'\n" + run.all());
        assertFalse(run.out().lines().anyMatch(l -> l.startsWith("providers OK") || l.startsWith("provider rules:")),
                "lint must not certify what it refused\n" + run.all());
        assertFalse(run.all().contains(SECRET), "a pasted credential is echoed\n" + run.all());
    }

    @ParameterizedTest(name = "ACCEPTED: {0}")
    @MethodSource("acceptedMutations")
    void anAcceptedMutationLintsCleanAndNoAutomaticTokenGetsADestructiveOperationThrough(UnaryOperator<PolicyCopy> edit)
            throws Exception {
        PolicyCopy p = edit.apply(PolicyCopy.ofShipped(tmp));
        LintRun run = LintRun.of(p.dir);
        assertEquals(0, run.exit(), run.all());
        assertTrue(HarmlessnessProbe.assertHarmless(p.dir) > 0, "nothing destructive was tried");
    }

    @Test
    void theSuiteCoversAtLeastThirtyMistakesAndTheUnmutatedPolicyIsClean() {
        assertTrue(rejectedMutations().count() + acceptedMutations().count() >= 30);
        assertEquals(0, LintRun.of(PolicyCopy.ofShipped(tmp).dir).exit());
    }

    @Test
    void theShippedPolicyItselfIsHarmless() throws Exception {
        assertTrue(HarmlessnessProbe.assertHarmless(PolicyCopy.ofShipped(tmp).dir) > 0);
    }

    /** A new scope appended to scopes.yaml (its last list). */
    private static PolicyCopy newScope(PolicyCopy p, String name, String risk) {
        return p.append(SCOPES, "  - name: " + name + "\n    risk: " + risk + "\n");
    }
}
