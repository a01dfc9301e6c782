package dev.airlock.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import dev.airlock.testing.PolicyCopy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shipped example policy, then one fixture per way a policy can be wrong. */
class PolicyLoaderTest {
    static final Path FIXTURES = Path.of("src/test/resources/policies");

    // --- the shipped example, scopes/ ---

    @Test
    void shippedPolicyLoadsWithItsThreeEnvironmentsInOrder() throws Exception {
        Policy policy = PolicyLoader.load(Path.of("scopes"));
        assertEquals(List.of("dev", "staging", "production"),
                policy.environments().stream().map(Environment::name).toList());
        assertEquals(Duration.ofMinutes(5), policy.environment("production").orElseThrow().tokenLifetime());
        assertEquals(Policy.DEFAULT_TOKEN_LIFETIME, policy.environment("staging").orElseThrow().tokenLifetime());
        assertEquals("urn:airlock:env:staging", policy.environment("staging").orElseThrow().audience());
        assertEquals("production", policy.environmentByAudience("urn:airlock:env:production").orElseThrow().name());
    }

    @Test
    void shippedPolicyHasTheDocumentedScopesAndRisks() throws Exception {
        Policy policy = PolicyLoader.load(Path.of("scopes"));
        assertEquals(Set.of("db:read", "db:write", "db:drop", "volume:read", "volume:write", "volume:delete",
                        "service:read", "service:restart", "service:delete", "variable:read", "variable:write",
                        "deployment:restart", "environment:delete", "project:delete"),
                policy.scopes().stream().map(Scope::name).collect(Collectors.toSet()));
        assertEquals(Set.of("db:drop", "volume:delete", "service:delete", "environment:delete", "project:delete"),
                policy.scopes().stream().filter(Scope::destructive).map(Scope::name).collect(Collectors.toSet()));
        Scope variableWrite = policy.scope("variable:write").orElseThrow();
        assertEquals(Risk.WRITE, variableWrite.risk());
        assertTrue(variableWrite.grantRequired());
        assertFalse(variableWrite.automatic());
        assertEquals(Risk.WRITE, policy.scope("service:restart").orElseThrow().risk());
        assertEquals("volume", policy.scope("volume:delete").orElseThrow().resourceType());
    }

    @Test
    void shippedPolicyGivesEachResourceToExactlyOneEnvironment() throws Exception {
        Policy policy = PolicyLoader.load(Path.of("scopes"));
        assertEquals("production", policy.ownerOf("vol-7f3a").orElseThrow().name());
        assertEquals("staging", policy.ownerOf("vol-7f3a-stg").orElseThrow().name());
        assertEquals("production", policy.ownerOf("db-prod-main").orElseThrow().name());
        assertEquals("staging", policy.ownerOf("db-stg-orders").orElseThrow().name());
        assertEquals("staging", policy.ownerOf("svc-api-stg").orElseThrow().name());
        assertEquals("dev", policy.ownerOf("svc-api-dev").orElseThrow().name());
        assertEquals("dev", policy.ownerOf("vol-dev-scratch").orElseThrow().name());
        assertTrue(policy.ownerOf("vol-unknown").isEmpty());
        assertEquals(new ResourcePattern("vol-9c1e", "volume"),
                policy.environment("production").orElseThrow().resources().get(1));
    }

    @Test
    void shippedCodingAgentReadsInProductionAndNeedsHumansForEverythingDestructive() throws Exception {
        Agent agent = PolicyLoader.load(Path.of("scopes")).agent("coding-agent").orElseThrow();
        assertEquals(AuthMethod.CLIENT_SECRET_BASIC, agent.auth());
        assertEquals("alice", agent.owner());
        assertNull(agent.publicKeys());
        AgentGrants production = agent.in("production").orElseThrow();
        assertEquals(Set.of("db:read"), production.scopes());
        assertEquals(Set.of("db:read"), production.defaultScopes());
        assertEquals(Set.of("volume:delete", "db:drop", "service:delete"), production.grantable());
        AgentGrants staging = agent.in("staging").orElseThrow();
        assertEquals(Set.of("db:read", "db:write", "volume:read", "volume:write", "service:read", "service:restart"),
                staging.scopes());
        assertEquals(Set.of("db:read", "volume:read", "service:read"), staging.defaultScopes());
        assertEquals(agent.in("dev"), agent.in("staging"));
    }

    @Test
    void shippedDeployBotsPublicKeyIsTheHalfOfTheTestPrivateKey() throws Exception {
        Agent bot = PolicyLoader.load(Path.of("scopes")).agent("deploy-bot").orElseThrow();
        assertEquals(AuthMethod.PRIVATE_KEY_JWT, bot.auth());
        assertEquals("bob", bot.owner());
        assertTrue(bot.in("dev").isEmpty());
        assertEquals(Set.of("service:read", "deployment:restart", "service:restart"),
                bot.in("production").orElseThrow().scopes());
        JWK privateKey = JWK.parse(Files.readString(Path.of("src/test/resources/keys/deploy-bot.private.jwk.json")));
        assertTrue(privateKey.isPrivate());
        JWK published = bot.publicKeys().getKeyByKeyId("deploy-bot-1");
        assertFalse(published.isPrivate());
        assertEquals(((OctetKeyPair) privateKey).toPublicJWK().toJSONObject(), published.toJSONObject());
    }

    @Test
    void providersFolderAndNonYamlFilesAreIgnored() throws Exception {
        Policy policy = PolicyLoader.load(FIXTURES.resolve("valid-minimal"));
        assertEquals(List.of("staging", "production"), policy.environments().stream().map(Environment::name).toList());
        assertEquals(new ResourcePattern("db-stg-*", null), policy.environment("staging").orElseThrow().resources().get(1));
    }

    // --- unreadable: lint exits 2 ---

    @Test
    void yamlSyntaxErrorIsUnreadableAndNamesTheLine() {
        PolicyException e = unreadable("broken-yaml-syntax");
        assertOnly(e, "agents.yaml", 8, "", "YAML syntax error");
    }

    @Test
    void missingRequiredFileIsUnreadable() {
        PolicyException e = unreadable("broken-missing-file");
        assertOnly(e, "agents.yaml", 0, "", "missing required policy file");
        assertEquals("agents.yaml: missing required policy file", e.problems().get(0).toString());
    }

    @Test
    void duplicateKeyIsUnreadableBecauseYamlKeysMustBeUnique() {
        PolicyException e = unreadable("broken-duplicate-key");
        assertOnly(e, "scopes.yaml", 6, "", "duplicate key 'risk'");
    }

    @Test
    void yamlAliasIsRefusedRatherThanReadAsItsAnchorName() {
        PolicyException e = unreadable("broken-yaml-alias");
        assertOnly(e, "agents.yaml", 9, "", "aliases (*readers) are not supported");
    }

    @Test
    void folderThatDoesNotExistIsUnreadable() {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(FIXTURES.resolve("no-such-policy")));
        assertTrue(e.unreadable());
        assertEquals(1, e.problems().size());
        assertTrue(e.problems().get(0).message().contains("not a policy folder"), e.getMessage());
    }

    // --- invalid: lint exits 1 ---

    @Test
    void unknownTopLevelYamlFileIsRefusedSoATypoCannotSilentlyNotApply() {
        PolicyException e = invalid("broken-unknown-file");
        // grant.yaml: a typo of the optional grants.yaml, which would otherwise leave nobody able to approve.
        assertEquals(List.of("agent.yml", "grant.yaml"), e.problems().stream().map(PolicyProblem::file).toList());
        assertTrue(e.problems().get(1).message().startsWith("unknown policy file"), e.getMessage());
    }

    @Test
    void unknownKeyIsAnError() {
        assertOnly(invalid("broken-unknown-key"), "environments.yaml", 8, "environments[1].token_lifetme",
                "unknown key 'token_lifetme' (allowed: name, audience, token_lifetime, resources)");
    }

    @Test
    void wrongTypesAreErrorsInEveryFile() {
        PolicyException e = invalid("broken-wrong-types");
        assertEquals(2, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), "scopes.yaml", 12, "scopes[4].grant_required", "expected true or false, got the string 'true'");
        assertProblem(e.problems().get(1), "agents.yaml", 6, "agents[0].environments.staging.scopes", "expected a list, got the string 'db:read'");
    }

    @Test
    void missingRequiredFieldIsAnErrorAndAgentsUsingThatScopeAreNotBlamedForIt() {
        assertOnly(invalid("broken-missing-field"), "scopes.yaml", 2, "scopes[0]", "missing required key 'risk'");
    }

    @Test
    void aFileBrokenAsAWholeIsReportedOnceNotEchoedByEveryReferenceToIt() {
        // Agents and resource types refer to scopes; none of those references is blamed for scopes.yaml.
        assertOnly(invalid("broken-scopes-not-a-list"), "scopes.yaml", 1, "scopes", "expected a list, got the string 'db:read'");
    }

    @Test
    void everyBadDurationIsReportedNotJustTheFirst() {
        PolicyException e = invalid("broken-durations");
        assertEquals(5, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), "environments.yaml", 14, "environments[2].token_lifetime", "must be greater than zero");
        assertProblem(e.problems().get(1), "environments.yaml", 16, "environments[3].token_lifetime", "must be greater than zero");
        assertProblem(e.problems().get(2), "environments.yaml", 18, "environments[4].token_lifetime", "20m is above the hard cap of 15m");
        assertProblem(e.problems().get(3), "environments.yaml", 20, "environments[5].token_lifetime", "expected a string, got the number 300");
        assertProblem(e.problems().get(4), "environments.yaml", 22, "environments[6].token_lifetime", "malformed duration '5 minutes'");
        assertEquals(6, e.getMessage().split("\n").length, "a header line, then one line per problem");
    }

    @Test
    void duplicateEnvironmentName() {
        assertOnly(invalid("broken-duplicate-environment"), "environments.yaml", 13, "environments[2].name",
                "duplicate environment 'staging' (first declared at line 2)");
    }

    @Test
    void duplicateAudienceBecauseATokenAudienceMustNameOneEnvironment() {
        assertOnly(invalid("broken-duplicate-audience"), "environments.yaml", 8, "environments[1].audience",
                "audience 'urn:airlock:env:staging' is already used by environment 'staging'");
    }

    @Test
    void duplicateScopeName() {
        assertOnly(invalid("broken-duplicate-scope"), "scopes.yaml", 13, "scopes[5].name",
                "duplicate scope 'db:read' (first declared at line 2)");
    }

    @Test
    void duplicateAgentId() {
        assertOnly(invalid("broken-duplicate-agent"), "agents.yaml", 11, "agents[1].id",
                "duplicate agent 'coding-agent' (first declared at line 2)");
    }

    @Test
    void builtInDestructiveVerbCannotBeDeclaredWrite() {
        assertOnly(invalid("broken-lowered-destructive"), "scopes.yaml", 9, "scopes[3].risk",
                "policy can raise a risk, never lower a built-in destructive verb");
    }

    @ParameterizedTest
    @CsvSource({"volume:destroy_all, write, destroy", "volume:delete_all, write, delete",
            "volume:force-delete, read, delete", "volume:rm, write, rm", "db:drop_table, write, drop",
            "db:expunge, read, expunge", "db:roll_back, write, rollback", "volume:killall, write, kill"})
    void loadWhenAVerbWithADestructivePartIsDeclaredReadOrWriteThenLocatedErrorNamingTheWord(String scope, String risk,
                                                                                           String word,
                                                                                           @TempDir Path tmp) {
        PolicyCopy copy = PolicyCopy.ofShipped(tmp).append("scopes.yaml", "  - name: " + scope + "\n    risk: " + risk + "\n");
        int line = (int) copy.read("scopes.yaml").lines().count();
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(copy.dir));
        assertOnly(e, "scopes.yaml", line, "scopes[14].risk", "'" + scope + "' cannot be risk " + risk + ": its verb '"
                + scope.substring(scope.indexOf(':') + 1) + "' contains the built-in destructive word '" + word + "'");
    }

    @Test
    void loadWhenAVerbWithADestructivePartIsListedAsAutomaticThenItIsJudgedDestructiveThereToo(@TempDir Path tmp) {
        PolicyCopy copy = PolicyCopy.ofShipped(tmp).append("scopes.yaml", "  - name: db:drop_table\n    risk: write\n")
                .replace("agents.yaml", "        scopes: [db:read]\n", "        scopes: [db:read, db:drop_table]\n");
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(copy.dir));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertEquals("agents.yaml", e.problems().get(1).file());
        assertTrue(e.problems().get(1).message().contains("'db:drop_table' is destructive"), e.getMessage());
    }

    @Test
    void malformedNamesInEachFile() {
        PolicyException e = invalid("broken-malformed-names");
        assertEquals(4, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), "scopes.yaml", 13, "scopes[5].name", "malformed scope name 'DB:write'");
        assertProblem(e.problems().get(1), "scopes.yaml", 15, "scopes[6].name", "malformed scope name 'dbwrite'");
        assertProblem(e.problems().get(2), "environments.yaml", 13, "environments[2].name", "malformed environment name 'QA'");
        assertProblem(e.problems().get(3), "agents.yaml", 11, "agents[1].id", "malformed agent id 'Deploy Bot'");
    }

    @Test
    void resourceInTwoEnvironmentsNamesBothLocations() {
        PolicyException e = invalid("broken-resource-overlap");
        assertOnly(e, "environments.yaml", 10, "environments[1].resources[0]",
                "resource 'vol-1*' in environment 'production' overlaps 'vol-1-stg' in environment 'staging'"
                        + " (environments.yaml:4 environments[0].resources[0])");
    }

    @Test
    void samePatternTwiceInOneEnvironment() {
        assertOnly(invalid("broken-duplicate-resource"), "environments.yaml", 7, "environments[0].resources[2]",
                "resource 'db-stg-*' is listed twice in this environment (first at line 6)");
    }

    @Test
    void resourceTypeMustBeTheTypeOfSomeScope() {
        assertOnly(invalid("broken-unknown-resource-type"), "environments.yaml", 11, "environments[1].resources[0].type",
                "resource type 'bucket' is not the type of any scope (known: db, variable, volume)");
    }

    @Test
    void agentNamingAnUnknownEnvironment() {
        assertOnly(invalid("broken-unknown-environment"), "agents.yaml", 11, "agents[0].environments.qa",
                "unknown environment 'qa' (known: staging, production)");
    }

    @Test
    void agentNamingAnUnknownScope() {
        PolicyException e = invalid("broken-unknown-scope");
        assertOnly(e, "agents.yaml", 22, "agents[1].environments.staging.scopes[2]", "unknown scope 'volume:wipe'");
        assertEquals("agents.yaml:22: agents[1].environments.staging.scopes[2]: unknown scope 'volume:wipe'",
                e.problems().get(0).toString());
    }

    @Test
    void destructiveScopeUnderScopesMustMoveToGrantable() {
        assertOnly(invalid("broken-destructive-in-scopes"), "agents.yaml", 6, "agents[0].environments.staging.scopes[2]",
                "'volume:delete' is destructive and cannot be under scopes: put it under grantable;"
                        + " it can only be issued through a human grant");
    }

    @Test
    void grantRequiredScopeUnderDefaultScopesMustMoveToGrantable() {
        PolicyException e = invalid("broken-grant-required-in-default-scopes");
        assertEquals(2, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), "agents.yaml", 7, "agents[0].environments.staging.default_scopes[1]",
                "'variable:write' is grant_required and cannot be under default_scopes: put it under grantable;"
                        + " it can only be issued through a human grant");
        assertProblem(e.problems().get(1), "agents.yaml", 7, "agents[0].environments.staging.default_scopes[1]",
                "default scope 'variable:write' is not in scopes");
    }

    @Test
    void automaticScopeUnderGrantable() {
        assertOnly(invalid("broken-automatic-in-grantable"), "agents.yaml", 10,
                "agents[0].environments.production.grantable[1]",
                "'volume:read' is read and needs no human grant: put it under scopes, not grantable");
    }

    @Test
    void defaultScopesMustBeASubsetOfScopes() {
        assertOnly(invalid("broken-default-not-subset"), "agents.yaml", 10,
                "agents[0].environments.production.default_scopes[0]",
                "default scope 'volume:read' is not in scopes: defaults must be a subset of scopes");
    }

    @Test
    void privateJwkInPolicyIsRefusedBecauseSecretsNeverLiveInPolicy() {
        assertOnly(invalid("broken-private-jwk"), "agents.yaml", 18, "agents[1].jwks.keys[0]",
                "private key material ('d') in policy: secrets never live in policy");
    }

    @Test
    void privateKeyJwtWithoutJwks() {
        assertOnly(invalid("broken-jwks-missing"), "agents.yaml", 12, "agents[1].auth",
                "auth: private_key_jwt needs jwks with the agent's public key(s)");
    }

    @Test
    void jwksOnAClientSecretAgentIsRefused() {
        assertOnly(invalid("broken-jwks-forbidden"), "agents.yaml", 5, "agents[0].jwks",
                "jwks is only for auth: private_key_jwt (this agent uses client_secret_basic)");
    }

    @Test
    void policyWithoutEnvironments() {
        assertOnly(invalid("broken-no-environments"), "environments.yaml", 1, "environments",
                "no environments: declare at least one");
    }

    @Test
    void agentWithoutEnvironments() {
        assertOnly(invalid("broken-agent-without-environments"), "agents.yaml", 4, "agents[0].environments",
                "no environments: an agent must be allowed in at least one");
    }

    // --- helpers ---

    static PolicyException invalid(String fixture) {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(FIXTURES.resolve(fixture)));
        assertEquals(PolicyException.Kind.INVALID, e.kind(), e.getMessage());
        return e;
    }

    static PolicyException unreadable(String fixture) {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(FIXTURES.resolve(fixture)));
        assertEquals(PolicyException.Kind.UNREADABLE, e.kind(), e.getMessage());
        return e;
    }

    static void assertOnly(PolicyException e, String file, int line, String path, String phrase) {
        assertEquals(1, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), file, line, path, phrase);
        assertTrue(e.getMessage().endsWith("\n" + e.problems().get(0)), e.getMessage());
    }

    static void assertProblem(PolicyProblem p, String file, int line, String path, String phrase) {
        assertEquals(file, p.file(), p.toString());
        assertEquals(line, p.line(), p.toString());
        assertEquals(path, p.path(), p.toString());
        assertTrue(p.message().contains(phrase), "expected '" + phrase + "' in: " + p);
    }
}
