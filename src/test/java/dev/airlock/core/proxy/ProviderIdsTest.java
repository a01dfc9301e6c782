package dev.airlock.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.policy.PolicyProblem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The top-level {@code ids} key of a provider file: the syntax of its ids per resource type, checked at load. */
class ProviderIdsTest {
    static final String HEAD = "kind: rest\nupstream: https://api.example.com\ncredential:\n  env: DEMO_TOKEN\n"
            + "inject:\n  header: Authorization\n  template: \"Bearer {credential}\"\n";
    static final String RULES = "rules:\n  - method: GET\n    path: /v1/volumes/{id}\n    scope: volume:read\n"
            + "    resources:\n      - from: path\n        name: id\n";
    static Policy policy;

    @BeforeAll
    static void loadPolicy() throws Exception {
        policy = PolicyLoader.load(Path.of("scopes"));
    }

    @Test
    void shippedRestProviderDeclaresItsIdsAndGraphqlProviderUsesTheDefault() throws Exception {
        Providers providers = ProviderLoader.load(Path.of("scopes/providers"), policy);
        RestMapper rest = (RestMapper) providers.get("generic-rest").orElseThrow().mapper();
        assertEquals(Map.of("volume", "vol-[a-z0-9]+(-[a-z0-9]+)*", "db", "db-[a-z0-9]+(-[a-z0-9]+)*",
                "service", "svc-[a-z0-9]+(-[a-z0-9]+)*"), rest.ids().declared());
        assertEquals(IdSyntax.DEFAULT_PATTERN, rest.ids().pattern("deployment"));
        GraphQlMapper railway = (GraphQlMapper) providers.get("railway").orElseThrow().mapper();
        assertEquals(Map.of(), railway.ids().declared());
    }

    @Test
    void idsWhenWellFormedThenTheMapperChecksThem(@TempDir Path dir) throws Exception {
        write(dir, HEAD + "ids:\n  volume: \"vol-[a-z0-9]{4,}(-stg)?\"\n" + RULES);
        RestMapper mapper = (RestMapper) ProviderLoader.load(dir.resolve("p"), policy).get("demo").orElseThrow().mapper();
        assertEquals("vol-[a-z0-9]{4,}(-stg)?", mapper.ids().pattern("volume"));
        RestMapperTest.refused(MappingResult.BAD_RESOURCE, mapper.map(ProxyRequest.of("GET", "/v1/volumes/vol-7f3a-prod", null)));
        RestMapperTest.mapped(mapper.map(ProxyRequest.of("GET", "/v1/volumes/vol-7f3a-stg", null)));
    }

    @Test
    void idsWhenAPatternCouldAdmitAFrameworkCharacterThenLocatedLoadError(@TempDir Path dir) throws Exception {
        write(dir, HEAD + "ids:\n  volume: \"vol-.+\"\n  db: \"db-[^/]+\"\n  service: \"svc-\\\\S+\"\n" + RULES);
        assertEquals(List.of(
                "p/demo.yaml:9: ids.volume: id syntax for volume refused: '.' at position 4 is not allowed: an id syntax"
                        + " may use the characters A-Z a-z 0-9 _ -, classes of them, ( ) (?: ) | ? * + and {n,m}, so"
                        + " that no id it admits has a '.', '/', ';', '%', ':', '\\', whitespace or a non-ASCII character",
                "p/demo.yaml:10: ids.db: id syntax for db refused: '^' in a class is not allowed: classes hold A-Z a-z"
                        + " 0-9 _ - and ranges such as a-z, without negation or escapes",
                "p/demo.yaml:11: ids.service: id syntax for service refused: '\\' at position 4 is not allowed: an id"
                        + " syntax may use the characters A-Z a-z 0-9 _ -, classes of them, ( ) (?: ) | ? * + and {n,m},"
                        + " so that no id it admits has a '.', '/', ';', '%', ':', '\\', whitespace or a non-ASCII"
                        + " character"), invalid(dir));
    }

    @Test
    void idsWhenTheTypeIsUnknownOrTheValueIsNotAPatternThenLocatedLoadErrors(@TempDir Path dir) throws Exception {
        write(dir, HEAD + "ids:\n  bucket: \"b-[a-z]+\"\n  volume: 12\n" + RULES);
        List<String> problems = invalid(dir);
        assertEquals(2, problems.size(), problems.toString());
        assertEquals("p/demo.yaml:9: ids.bucket: 'bucket' is not the resource type of any scope (known: db, deployment,"
                + " environment, project, service, variable, volume)", problems.get(0));
        assertEquals("p/demo.yaml:10: ids.volume:", problems.get(1).substring(0, "p/demo.yaml:10: ids.volume:".length()));
    }

    @Test
    void idsWhenNotAMapThenLocatedLoadError(@TempDir Path dir) throws Exception {
        write(dir, HEAD + "ids: \"vol-[a-z]+\"\n" + RULES);
        assertEquals(List.of("p/demo.yaml:8: ids: ids must map resource types to id patterns, such as"
                + " ids: {volume: \"vol-[a-z0-9]+\"}, not a string"), invalid(dir));
    }

    private static void write(Path dir, String text) throws Exception {
        Files.writeString(Files.createDirectories(dir.resolve("p")).resolve("demo.yaml"), text);
    }

    private static List<String> invalid(Path dir) {
        PolicyException e = assertThrows(PolicyException.class, () -> ProviderLoader.load(dir.resolve("p"), policy));
        return e.problems().stream().map(PolicyProblem::toString).toList();
    }
}
