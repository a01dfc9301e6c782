package dev.airlock.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.deploy.AirlockCommandLines.Found;
import dev.airlock.deploy.DeployFiles.Doc;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What each file of {@code deploy/} must be (issue 14): the single-replica manifest stays one replica on the embedded
 * store; the replicas manifest rolls three replicas one at a time under a disruption budget, with the store's URL and
 * password and the master key from Secrets; compose runs PostgreSQL, three replicas and a balancer, each with a
 * healthcheck; the systemd unit takes the store from an optional environment file. Across all of them: every
 * {@code airlock} command line parses, every probe is collected for the route check, and no secret is inline.
 */
final class DeployRules {
    static final String SINGLE = "kubernetes.yaml";
    static final String REPLICAS = "kubernetes-replicas.yaml";
    static final String COMPOSE = "compose.yaml";
    static final String UNIT = "airlock.service";
    static final String STORE_ENV = "store.env.example";
    static final String HAPROXY = "haproxy.cfg";
    static final String CONTAINERFILE = "Containerfile";

    /** A password in a URL: user information with a colon, or a password parameter. */
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)[a-z][a-z0-9+.-]*://[^/\\s@:]+:[^/\\s@]*@|[?&]password=");
    private static final Pattern HTTP_PATH = Pattern.compile("https?://[^/\\s\"']+(/[^\\s\"']*)");

    final DeployFiles files;
    final List<String> problems = new ArrayList<>();
    final List<Found> commandLines = new ArrayList<>();
    /** HTTP paths that must be routes Airlock serves (probes, healthchecks, the balancer's check). */
    final List<String> airlockPaths = new ArrayList<>();

    private DeployRules(DeployFiles files) {
        this.files = files;
    }

    /** Every problem of the folder, except the route check, which needs a running Airlock ({@link #airlockPaths}). */
    static DeployRules check(Path dir) throws IOException {
        DeployRules r = new DeployRules(DeployFiles.read(dir));
        r.problems.addAll(r.files.problems);
        for (String name : r.files.yaml.keySet()) {
            switch (name) {
                case SINGLE -> r.single();
                case REPLICAS -> r.replicas();
                case COMPOSE -> new ComposeChecks(r).run();
                default -> r.problems.add(name + ": a YAML file this test does not know; add its checks");
            }
        }
        for (String required : List.of(SINGLE, REPLICAS, COMPOSE)) {
            if (!r.files.yaml.containsKey(required)) r.problems.add(required + ": missing");
        }
        r.unit();
        r.haproxy();
        r.containerfile();
        r.noPasswordInAnyUrl();
        for (Found f : r.commandLines) {
            String p = AirlockCommandLines.problem(f);
            if (p != null) r.problems.add(p);
        }
        return r;
    }

    private KubernetesChecks kubernetes(String name) {
        KubernetesChecks k = new KubernetesChecks(files.yaml.get(name), problems::add);
        k.run();
        commandLines.addAll(k.commandLines);
        airlockPaths.addAll(k.probePaths);
        return k;
    }

    /** The embedded store allows one server per data directory: one replica, and Recreate, never two at once. */
    private void single() {
        KubernetesChecks k = kubernetes(SINGLE);
        for (Doc d : k.ofKind("Deployment")) {
            if (d.tree().path("spec").path("replicas").asInt() != 1) problems.add(d.where() + ": replicas must be 1");
            if (!"Recreate".equals(KubernetesChecks.at(d.tree(), "spec.strategy.type").asText())) {
                problems.add(d.where() + ": strategy must be Recreate (one server per data directory)");
            }
        }
    }

    private void replicas() {
        KubernetesChecks k = kubernetes(REPLICAS);
        one(k, "Deployment");
        one(k, "PodDisruptionBudget");
        one(k, "Service");
        for (Doc d : k.ofKind("Secret")) {
            problems.add(d.where() + ": no Secret in this file; the README makes them with kubectl");
        }
        for (Doc d : k.ofKind("PersistentVolumeClaim")) problems.add(d.where() + ": replicas keep no volume");
        for (Doc d : k.ofKind("Deployment")) {
            JsonNode spec = d.tree().path("spec");
            if (spec.path("replicas").asInt() != 3) problems.add(d.where() + ": replicas must be 3");
            equal(d, spec, "strategy.type", "RollingUpdate");
            equal(d, spec, "strategy.rollingUpdate.maxUnavailable", "0");
            equal(d, spec, "strategy.rollingUpdate.maxSurge", "1");
            for (JsonNode c : spec.path("template").path("spec").path("containers")) {
                if (KubernetesChecks.isAirlock(c)) storeFromSecrets(d, spec.path("template").path("spec"), c);
            }
        }
        for (Doc d : k.ofKind("PodDisruptionBudget")) equal(d, d.tree().path("spec"), "minAvailable", "2");
    }

    private void one(KubernetesChecks k, String kind) {
        if (k.ofKind(kind).size() != 1) problems.add(REPLICAS + ": needs exactly one " + kind);
    }

    /** The store URL and the master key from secretKeyRef; the password as a file of a Secret volume. */
    private void storeFromSecrets(Doc d, JsonNode pod, JsonNode c) {
        String where = d.where() + " container " + c.path("name").asText();
        List<String> args = new ArrayList<>();
        c.path("args").forEach(a -> args.add(a.asText()));
        String url = AirlockCommandLines.value(args, "--store").orElse(null);
        if (url == null || !url.matches("\\$\\([A-Z_]+\\)")) {
            problems.add(where + ": --store must be $(VAR), a variable from a Secret, not " + url);
        } else {
            fromSecret(where, c, url.substring(2, url.length() - 1));
        }
        fromSecret(where, c, "AIRLOCK_MASTER_KEY");
        String file = AirlockCommandLines.value(args, "--store-password-file").orElse(null);
        boolean inSecret = false;
        for (JsonNode m : c.path("volumeMounts")) {
            if (file == null || !file.startsWith(m.path("mountPath").asText() + "/")) continue;
            for (JsonNode v : pod.path("volumes")) {
                inSecret |= v.path("name").asText().equals(m.path("name").asText()) && v.has("secret");
            }
        }
        if (!inSecret) problems.add(where + ": --store-password-file " + file + " is not in a Secret volume");
    }

    private void fromSecret(String where, JsonNode c, String variable) {
        for (JsonNode e : c.path("env")) {
            if (e.path("name").asText().equals(variable) && e.path("valueFrom").has("secretKeyRef")) return;
        }
        problems.add(where + ": " + variable + " must come from a Secret (env valueFrom.secretKeyRef)");
    }

    private void equal(Doc d, JsonNode node, String dotted, String value) {
        String actual = KubernetesChecks.at(node, dotted).asText();
        if (!value.equals(actual)) problems.add(d.where() + ": spec." + dotted + " must be " + value + ", not " + actual);
    }

    /** Both ways the unit runs: without store.env (embedded store) and with the example's options. */
    private void unit() throws IOException {
        List<Map.Entry<String, String>> unit = files.unit(UNIT);
        Map<String, String> defaults = new LinkedHashMap<>();
        boolean storeFile = false;
        for (var e : unit) {
            if (e.getKey().equals("Environment")) {
                for (String kv : e.getValue().split("\\s+")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0) defaults.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            if (e.getKey().equals("EnvironmentFile") && e.getValue().endsWith("/store.env")) {
                storeFile = true;
                if (!e.getValue().startsWith("-")) {
                    problems.add(UNIT + ": EnvironmentFile=" + e.getValue() + " must be optional (a leading '-'), so"
                            + " that the unit works without a store");
                }
            }
        }
        if (!storeFile) problems.add(UNIT + ": no EnvironmentFile= for the store (store.env)");
        Map<String, String> example = files.envFile(STORE_ENV);
        if (!example.getOrDefault("AIRLOCK_STORE_PASSWORD", "REPLACE-ME").startsWith("REPLACE-ME")) {
            problems.add(STORE_ENV + ": AIRLOCK_STORE_PASSWORD holds a value, not a REPLACE-ME placeholder");
        }
        for (var e : unit) {
            if (!e.getKey().startsWith("ExecStart")) continue;
            List<String> words = Arrays.asList(e.getValue().trim().split("\\s+"));
            int jar = words.indexOf("-jar");
            if (jar < 0) continue;
            List<String> args = words.subList(jar + 2, words.size());
            commandLines.add(new Found(UNIT + " " + e.getKey() + " without store.env", expand(args, defaults, Map.of())));
            commandLines.add(new Found(UNIT + " " + e.getKey() + " with " + STORE_ENV, expand(args, defaults, example)));
        }
    }

    /**
     * systemd's expansion (systemd.service, "Command lines"): {@code ${VAR}} is one argument, even when empty;
     * {@code $VAR} as a word of its own is split at whitespace into zero or more arguments.
     */
    static List<String> expand(List<String> words, Map<String, String> env, Map<String, String> file) {
        Map<String, String> all = new LinkedHashMap<>(env);
        all.putAll(file);
        List<String> out = new ArrayList<>();
        for (String w : words) {
            if (w.matches("\\$[A-Za-z_][A-Za-z0-9_]*")) {
                String v = all.getOrDefault(w.substring(1), "").trim();
                if (!v.isEmpty()) out.addAll(Arrays.asList(v.split("\\s+")));
                continue;
            }
            Matcher m = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}").matcher(w);
            StringBuilder b = new StringBuilder();
            while (m.find()) m.appendReplacement(b, Matcher.quoteReplacement(all.getOrDefault(m.group(1), "")));
            m.appendTail(b);
            out.add(b.toString());
        }
        return out;
    }

    /** The balancer checks each replica on Airlock's readiness route. */
    private void haproxy() throws IOException {
        Matcher m = Pattern.compile("(?m)^\\s*http-check\\s+send\\s+.*\\buri\\s+(\\S+)").matcher(files.text(HAPROXY));
        if (!m.find()) {
            problems.add(HAPROXY + ": no 'http-check send ... uri PATH' (replicas would get requests while not ready)");
            return;
        }
        airlockPaths.add(m.group(1));
        if (!"/readyz".equals(m.group(1))) problems.add(HAPROXY + ": the health check must be /readyz, not " + m.group(1));
    }

    /** The image's default command and its HEALTHCHECK. */
    private void containerfile() throws IOException {
        String text = files.text(CONTAINERFILE).replace("\\\n", " ");
        Matcher cmd = Pattern.compile("(?m)^CMD\\s+(\\[.*])\\s*$").matcher(text);
        if (cmd.find()) {
            List<String> args = new ArrayList<>();
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(cmd.group(1)).forEach(a -> args.add(a.asText()));
            commandLines.add(new Found(CONTAINERFILE + " CMD", args));
        } else {
            problems.add(CONTAINERFILE + ": no CMD in exec form");
        }
        Matcher health = Pattern.compile("(?m)^HEALTHCHECK .*$").matcher(text);
        if (health.find()) airlockPaths.addAll(paths(health.group()));
    }

    static List<String> paths(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = HTTP_PATH.matcher(text);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** No password in any URL of any file: passwords come from Secrets and files only. */
    private void noPasswordInAnyUrl() throws IOException {
        for (var e : files.yaml.entrySet()) {
            for (Doc d : e.getValue()) {
                Map<String, String> strings = new LinkedHashMap<>();
                DeployFiles.strings(d.tree(), "", strings);
                strings.forEach((path, value) -> {
                    if (URL_PASSWORD.matcher(value).find()) problems.add(d.where() + " " + path + ": a password in a URL");
                });
            }
        }
        for (String name : List.of(UNIT, STORE_ENV, HAPROXY)) {
            for (String line : files.text(name).split("\n")) {
                if (URL_PASSWORD.matcher(line).find()) problems.add(name + ": a password in a URL: " + line.strip());
            }
        }
    }
}
