package dev.airlock.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.TestAirlock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code deploy/} validated offline in the build (issue 14): every YAML document parses, the Kubernetes objects have
 * what their kinds require, selectors select, probes and healthchecks are routes a real Airlock serves, every
 * {@code airlock} command line is accepted by Airlock's own picocli tree, and no secret is inline. Each rule is shown
 * to catch a broken copy of the shipped files (one mutation each, in a temporary folder).
 */
class DeployManifestsTest {
    static final Path DEPLOY = Path.of("deploy");
    static TestAirlock airlock;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        airlock = TestAirlock.start();
    }

    @AfterAll
    static void stop() throws Exception {
        airlock.close();
    }

    /** The rules' problems plus, for every path collected, a GET on a real Airlock: 200 or 503 is a route, 404 not. */
    static List<String> problems(Path dir) throws Exception {
        DeployRules r = DeployRules.check(dir);
        List<String> all = new ArrayList<>(r.problems);
        for (String path : new LinkedHashSet<>(r.airlockPaths)) {
            int status = STATUS.computeIfAbsent(path, DeployManifestsTest::get);
            if (status != 200 && status != 503) all.add("probe path " + path + " is not an Airlock route (GET: " + status + ")");
        }
        return all;
    }

    /** Each path's status, asked once: the server and its routes do not change during the class. */
    static final java.util.Map<String, Integer> STATUS = new java.util.concurrent.ConcurrentHashMap<>();

    static int get(String path) {
        try {
            return airlock.get(path).status();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("GET " + path, e);
        }
    }

    @Test
    void shippedDeployFolderHasNoProblems() throws Exception {
        List<String> problems = problems(DEPLOY);
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    @Test
    void everyShippedCommandLineAndProbeIsActuallyChecked() throws Exception {
        DeployRules r = DeployRules.check(DEPLOY);
        List<String> where = r.commandLines.stream().map(AirlockCommandLines.Found::where).toList();
        // 2 Kubernetes manifests x (lint + serve), compose, the unit's two lines twice each, the image's CMD.
        assertEquals(10, where.size(), String.join("\n", where));
        assertTrue(r.airlockPaths.containsAll(List.of("/readyz", "/healthz")), r.airlockPaths.toString());
        assertTrue(where.stream().anyMatch(w -> w.contains("with store.env")), where.toString());
    }

    @Test
    void storeOptionsAreParsedForRealOnceServeDeclaresThem() {
        // Until the PostgreSQL store is merged, serve lacks them and they are checked apart (AirlockCommandLines).
        var serve = dev.airlock.cli.Main.commandLine().getSubcommands().get("serve").getCommandSpec();
        for (String option : AirlockCommandLines.PENDING_SERVE_OPTIONS) {
            String p = AirlockCommandLines.problem(new AirlockCommandLines.Found("test",
                    List.of("serve", option)));
            assertTrue(p != null && p.contains(option), option + " without a value must be a problem: " + p);
            if (serve.findOption(option) != null) continue;
            assertEquals(null, AirlockCommandLines.problem(new AirlockCommandLines.Found("test",
                    List.of("serve", option, "x", "--port", "8080"))));
        }
    }

    static Stream<Arguments> brokenCopies() {
        String k = DeployRules.REPLICAS;
        String one = DeployRules.SINGLE;
        String c = DeployRules.COMPOSE;
        String u = DeployRules.UNIT;
        return Stream.of(
                Arguments.of(k, "  replicas: 3\n", "  replicas: 2\n", "replicas must be 3"),
                Arguments.of(k, "maxUnavailable: 0", "maxUnavailable: 1", "maxUnavailable must be 0"),
                Arguments.of(k, "maxSurge: 1", "maxSurge: 2", "maxSurge must be 1"),
                Arguments.of(k, "minAvailable: 2", "minAvailable: 1", "minAvailable must be 2"),
                Arguments.of(k, "minAvailable: 2\n  selector:\n    matchLabels: {app.kubernetes.io/name: airlock}",
                        "minAvailable: 2\n  selector:\n    matchLabels: {app.kubernetes.io/name: airlock-old}",
                        "selects no Deployment's pods"),
                Arguments.of(k, "  selector: {app.kubernetes.io/name: airlock}", "  selector: {app: airlock}",
                        "selects no Deployment's pods"),
                Arguments.of(k, "    metadata:\n      labels: {app.kubernetes.io/name: airlock}",
                        "    metadata:\n      labels: {app.kubernetes.io/name: airlock-v2}", "does not select the pod template"),
                Arguments.of(k, "apiVersion: policy/v1\n", "", "apiVersion must be policy/v1"),
                Arguments.of(k, "kind: PodDisruptionBudget", "kind: PodDisruptionBudjet", "unknown kind"),
                Arguments.of(k, "  name: airlock\n  labels: {app.kubernetes.io/name: airlock}\nspec:\n  type: ClusterIP",
                        "  labels: {app.kubernetes.io/name: airlock}\nspec:\n  type: ClusterIP", "metadata.name missing"),
                Arguments.of(k, "runAsNonRoot: true", "runAsNonRoot: false", "runAsNonRoot must be true"),
                Arguments.of(k, "limits: {cpu: \"2\", memory: 320Mi}", "limits: {cpu: \"2\"}", "limits.memory missing"),
                Arguments.of(k, "httpGet: {path: /readyz, port: http}", "httpGet: {path: /healthz, port: http}",
                        "readinessProbe: path must be /readyz"),
                Arguments.of(k, "\"--issuer\", \"https://airlock.example.com\",\n                 \"--store\"",
                        "\"--isuer\", \"https://airlock.example.com\",\n                 \"--store\"", "Unknown option"),
                Arguments.of(k, "valueFrom:\n                secretKeyRef: {name: airlock-master-key, key: AIRLOCK_MASTER_KEY}",
                        "value: \"c2VjcmV0LWluLWdpdA==\"", "AIRLOCK_MASTER_KEY is a literal value"),
                Arguments.of(k, "\"--store\", \"$(AIRLOCK_STORE_URL)\"",
                        "\"--store\", \"postgresql://airlock:hunter2@db:5432/airlock\"", "a password in a URL"),
                Arguments.of(k, "\"--store\", \"$(AIRLOCK_STORE_URL)\"", "\"--store\", \"$(AIRLOCK_STORE)\"",
                        "no such variable"),
                Arguments.of(k, "\"--store-password-file\", \"/var/run/secrets/airlock-store/password\"",
                        "\"--store-password-file\", \"/etc/airlock/policy/password\"", "is not in a Secret volume"),
                Arguments.of(k, "\"--store-password-file\", \"/var/run/secrets/airlock-store/password\"]",
                        "\"--store-password-file\"]",
                        "Missing required parameter for option '--store-password-file'"),
                Arguments.of(k, "automountServiceAccountToken: false", "automountServiceAccountToken: true",
                        "automountServiceAccountToken must be false"),
                Arguments.of(k, "seccompProfile: {type: RuntimeDefault}", "seccompProfile: {type: Unconfined}",
                        "seccompProfile.type must be RuntimeDefault"),
                Arguments.of(k, "limits: {memory: 256Mi}", "limits: {memory: 512Mi}", "must equal requests.memory"),
                Arguments.of(k, "httpGet: {path: /readyz, port: http}", "httpGet: {path: /readyz, port: web}",
                        "is not a port of the container"),
                Arguments.of(k, "- {name: store-password, mountPath: /var/run/secrets/airlock-store, readOnly: true}",
                        "- {name: store-pw, mountPath: /var/run/secrets/airlock-store, readOnly: true}",
                        "volumeMount store-pw names no volume"),
                Arguments.of(k, "        - name: airlock\n          image: registry.example.com/airlock:REPLACE-ME\n",
                        "        - name: airlock\n          image: registry.example.com/airlock:REPLACE-ME\n"
                                + "          command: [\"java\", \"-jar\", \"/opt/airlock/airlock.jar\"]\n",
                        "command replaces the image's ENTRYPOINT"),
                Arguments.of(k, "---\n# Voluntary disruptions", "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
                        + "stringData: {AIRLOCK_MASTER_KEY: REPLACE-ME}\n---\n# Voluntary disruptions", "no Secret in this file"),
                Arguments.of(one, "  replicas: 1\n", "  replicas: 2\n", "replicas must be 1"),
                Arguments.of(one, "    type: Recreate", "    type: RollingUpdate", "strategy must be Recreate"),
                Arguments.of(one, "      storage: 10Gi\n", "", "spec.resources.requests.storage missing"),
                Arguments.of(one, "RAILWAY_TOKEN: \"REPLACE-ME\"", "RAILWAY_TOKEN: \"rw_live_0123456789\"",
                        "stringData.RAILWAY_TOKEN holds a value"),
                Arguments.of(c, "      replicas: 3\n", "      replicas: 1\n", "replicas must be 3"),
                Arguments.of(c, "airlock: {condition: service_healthy}", "airlock: {condition: service_started}",
                        "lb.depends_on.airlock.condition must be service_healthy"),
                Arguments.of(c, "\"--store-password-file\", \"/run/secrets/store_password\"",
                        "\"--store-pasword-file\", \"/run/secrets/store_password\"", "Unknown option"),
                Arguments.of(c, "POSTGRES_PASSWORD_FILE: /run/secrets/store_password", "POSTGRES_PASSWORD: hunter2",
                        "POSTGRES_PASSWORD is a literal"),
                Arguments.of(c, "AIRLOCK_MASTER_KEY: ${AIRLOCK_MASTER_KEY:?",
                        "AIRLOCK_MASTER_KEY: c2VjcmV0 # ${AIRLOCK_MASTER_KEY:?", "AIRLOCK_MASTER_KEY is a literal"),
                Arguments.of(c, "postgresql://postgres:5432/airlock?user=airlock",
                        "postgresql://airlock:hunter2@postgres:5432/airlock", "a password in a URL"),
                Arguments.of(c, "      test: [\"CMD\", \"pg_isready\", \"--username\", \"airlock\", \"--dbname\", \"airlock\"]\n", "",
                        "services.postgres has no healthcheck"),
                Arguments.of(c, "file: ./secrets/store-password", "file: ./store-password", "must be under ./secrets/"),
                Arguments.of(c, "    read_only: true\n    cap_drop: [ALL]\n    security_opt: [\"no-new-privileges:true\"]\n    # /readyz",
                        "    read_only: false\n    cap_drop: [ALL]\n    security_opt: [\"no-new-privileges:true\"]\n    # /readyz",
                        "services.airlock.read_only must be true"),
                Arguments.of(c, "./haproxy.cfg:/usr", "./lb.cfg:/usr", "must mount ./haproxy.cfg"),
                Arguments.of(DeployRules.STORE_ENV, "AIRLOCK_STORE_PASSWORD=REPLACE-ME", "AIRLOCK_STORE_PASSWORD=hunter2",
                        "not a REPLACE-ME placeholder"),
                Arguments.of(u, "EnvironmentFile=-/etc/airlock/store.env", "EnvironmentFile=/etc/airlock/store.env",
                        "must be optional"),
                Arguments.of(u, "--policy /etc/airlock/policy $AIRLOCK_STORE_OPTIONS",
                        "--policy /etc/airlock/policy ${AIRLOCK_STORE_OPTIONS}", "without store.env: airlock does not accept"),
                Arguments.of(u, "--issuer ${AIRLOCK_ISSUER}", "--issuer ${AIRLOCK_ISSUER} --journal 4M", "Unknown option"),
                Arguments.of(DeployRules.STORE_ENV, "?user=airlock", "?user=airlock&password=hunter2", "a password in a URL"),
                Arguments.of(DeployRules.STORE_ENV, "AIRLOCK_STORE_OPTIONS=--store ", "AIRLOCK_STORE_OPTIONS=--stor ",
                        "with store.env.example: airlock does not accept"),
                Arguments.of(DeployRules.HAPROXY, "uri /readyz", "uri /healthz", "health check must be /readyz"),
                Arguments.of(DeployRules.HAPROXY, "monitor-uri /haproxy-health", "monitor-uri /lb-health",
                        "services.lb.healthcheck must GET haproxy.cfg's monitor-uri"),
                Arguments.of(DeployRules.CONTAINERFILE, "\"--issuer\", \"http://localhost:8080\"]",
                        "\"--issuer\"]", "Containerfile CMD"));
    }

    @ParameterizedTest(name = "{0}: {3}")
    @MethodSource("brokenCopies")
    void aBrokenCopyIsCaught(String file, String from, String to, String expected) throws Exception {
        List<String> problems = problems(mutated(file, from, to));
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)),
                "no problem saying '" + expected + "' among:\n" + String.join("\n", problems));
    }

    /** Probes on a path Airlock does not serve: the route check GETs them on the running server (404). */
    @Test
    void aProbeOnAPathAirlockDoesNotServeIsCaught() throws Exception {
        List<String> problems = problems(mutated(DeployRules.REPLICAS, "httpGet: {path: /readyz, port: http}",
                "httpGet: {path: /ready, port: http}"));
        assertTrue(problems.contains("probe path /ready is not an Airlock route (GET: 404)"), String.join("\n", problems));
        problems = problems(mutated(DeployRules.COMPOSE, "\"http://127.0.0.1:8080/readyz\"]", "\"http://127.0.0.1:8080/ready\"]"));
        assertTrue(problems.contains("probe path /ready is not an Airlock route (GET: 404)"), String.join("\n", problems));
        problems = problems(mutated(DeployRules.CONTAINERFILE, "8080/readyz || exit 1", "8080/ready || exit 1"));
        assertTrue(problems.contains("probe path /ready is not an Airlock route (GET: 404)"), String.join("\n", problems));
    }

    @Test
    void anUnknownYamlFileOrInvalidYamlIsCaught() throws Exception {
        Path copy = mutated(DeployRules.COMPOSE, "name: airlock\n", "name: airlock\nname: twice\n");
        Files.writeString(copy.resolve("extra.yaml"), "kind: Secret\n");
        List<String> problems = problems(copy);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("compose.yaml: not valid YAML")), String.join("\n", problems));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("extra.yaml: a YAML file this test does not know")),
                String.join("\n", problems));
    }

    /** A copy of deploy/ with {@code from} (which must occur exactly once) replaced in {@code file}. */
    Path mutated(String file, String from, String to) throws IOException {
        Path copy = Files.createTempDirectory(tmp, "deploy");
        try (Stream<Path> s = Files.list(DEPLOY)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) Files.copy(p, copy.resolve(p.getFileName()));
        }
        String text = Files.readString(copy.resolve(file));
        int at = text.indexOf(from);
        assertTrue(at >= 0, "not in " + file + ": " + from);
        assertFalse(text.indexOf(from, at + 1) >= 0, "more than once in " + file + ": " + from);
        Files.writeString(copy.resolve(file), text.replace(from, to));
        return copy;
    }
}
