package dev.airlock.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.deploy.AirlockCommandLines.Found;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code deploy/compose.yaml}: PostgreSQL, three Airlock replicas and one balancer, each with a healthcheck, started
 * in that order once the one before is healthy; secrets from files or the environment, never inline.
 */
final class ComposeChecks {
    /** compose's interpolation of a variable: the value comes from the shell or deploy/.env, not this file. */
    private static final Pattern INTERPOLATED = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?}");
    private static final Pattern SECRET_PATH = Pattern.compile("/run/secrets/([A-Za-z0-9_.-]+)");

    private final DeployRules rules;
    private final JsonNode compose;

    ComposeChecks(DeployRules rules) {
        this.rules = rules;
        List<DeployFiles.Doc> docs = rules.files.yaml.get(DeployRules.COMPOSE);
        this.compose = docs.size() == 1 ? docs.get(0).tree() : null;
        if (docs.size() != 1) problem("one YAML document, not " + docs.size());
    }

    private void problem(String what) {
        rules.problems.add(DeployRules.COMPOSE + ": " + what);
    }

    void run() {
        if (compose == null) return;
        JsonNode services = compose.path("services");
        JsonNode db = service(services, "postgres", "postgres");
        JsonNode airlock = service(services, "airlock", "airlock");
        JsonNode lb = service(services, "lb", "haproxy");
        if (db == null || airlock == null || lb == null) return;
        if (airlock.path("deploy").path("replicas").asInt() != 3) problem("services.airlock.deploy.replicas must be 3");
        dependsOnHealthy("airlock", airlock, "postgres");
        dependsOnHealthy("lb", lb, "airlock");
        for (String name : List.of("airlock", "lb")) {
            JsonNode s = services.path(name);
            if (!s.path("read_only").asBoolean(false)) problem("services." + name + ".read_only must be true");
            if (!s.path("cap_drop").toString().contains("\"ALL\"")) problem("services." + name + ".cap_drop must hold ALL");
        }
        // The replicas' checks are on Airlock's routes; the balancer's on its own monitor-uri.
        rules.airlockPaths.addAll(DeployRules.paths(airlock.path("healthcheck").path("test").toString()));
        lbHealth(lb);
        haproxyConfigMounted(lb);
        List<String> args = new ArrayList<>();
        airlock.path("command").forEach(a -> args.add(a.asText()));
        rules.commandLines.add(new Found(DeployRules.COMPOSE + " services.airlock.command", args));
        passwordFromASecretFile(airlock, args);
        services.fields().forEachRemaining(e -> environment(e.getKey(), e.getValue()));
        if (!INTERPOLATED.matcher(airlock.path("environment").path("AIRLOCK_MASTER_KEY").asText()).matches()) {
            problem("services.airlock.environment.AIRLOCK_MASTER_KEY must be ${AIRLOCK_MASTER_KEY:?...}: the same"
                    + " key for every replica, required, from deploy/.env");
        }
        compose.path("secrets").fields().forEachRemaining(e -> {
            if (!e.getValue().path("file").asText().startsWith("./secrets/")) {
                problem("secrets." + e.getKey() + ".file must be under ./secrets/ (kept out of git by .gitignore)");
            }
        });
    }

    private JsonNode service(JsonNode services, String name, String imageHas) {
        JsonNode s = services.path(name);
        if (s.isMissingNode()) {
            problem("no service " + name);
            return null;
        }
        if (!s.path("image").asText().contains(imageHas)) problem("services." + name + ".image must be " + imageHas + "'s");
        if (s.path("healthcheck").path("test").isEmpty()) problem("services." + name + " has no healthcheck");
        return s;
    }

    private void dependsOnHealthy(String name, JsonNode service, String on) {
        if (!"service_healthy".equals(service.path("depends_on").path(on).path("condition").asText())) {
            problem("services." + name + ".depends_on." + on + ".condition must be service_healthy");
        }
    }

    private void lbHealth(JsonNode lb) {
        List<String> paths = DeployRules.paths(lb.path("healthcheck").path("test").toString());
        try {
            Matcher m = Pattern.compile("(?m)^\\s*monitor-uri\\s+(\\S+)").matcher(rules.files.text(DeployRules.HAPROXY));
            String monitor = m.find() ? m.group(1) : null;
            if (paths.size() != 1 || !paths.get(0).equals(monitor)) {
                problem("services.lb.healthcheck must GET haproxy.cfg's monitor-uri (" + monitor + "), not " + paths);
            }
        } catch (java.io.IOException e) {
            problem("cannot read " + DeployRules.HAPROXY + ": " + e);
        }
    }

    private void haproxyConfigMounted(JsonNode lb) {
        boolean mounted = false;
        for (JsonNode v : lb.path("volumes")) {
            String source = v.asText().split(":")[0];
            if (source.equals("./" + DeployRules.HAPROXY)) mounted = Files.isRegularFile(rules.files.dir.resolve(DeployRules.HAPROXY));
        }
        if (!mounted) problem("services.lb must mount ./" + DeployRules.HAPROXY + " (and the file must exist)");
    }

    /** --store-password-file names a compose secret this service is given. */
    private void passwordFromASecretFile(JsonNode airlock, List<String> args) {
        String file = AirlockCommandLines.value(args, "--store-password-file").orElse("");
        Matcher m = SECRET_PATH.matcher(file);
        boolean given = false;
        if (m.matches()) {
            for (JsonNode s : airlock.path("secrets")) given |= s.asText().equals(m.group(1));
            given &= compose.path("secrets").has(m.group(1));
        }
        if (!given) problem("services.airlock: --store-password-file must be /run/secrets/NAME of a secret it is given, not '" + file + "'");
        if (AirlockCommandLines.value(args, "--store").isEmpty()) problem("services.airlock.command has no --store");
    }

    /** A variable that holds a secret is interpolated (from the shell or .env) or names a file; never a literal. */
    private void environment(String service, JsonNode s) {
        if (s.path("environment").isArray()) problem("services." + service + ".environment: use the map form (checked)");
        s.path("environment").fields().forEachRemaining(e -> {
            String name = e.getKey();
            String value = e.getValue().asText();
            if (!KubernetesChecks.SECRETISH.matcher(name).matches() || name.endsWith("_FILE")) return;
            if (!INTERPOLATED.matcher(value).matches()) {
                problem("services." + service + ".environment." + name + " is a literal; use ${" + name + "} or a file");
            }
        });
    }
}
