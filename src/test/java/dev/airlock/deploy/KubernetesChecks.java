package dev.airlock.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.deploy.AirlockCommandLines.Found;
import dev.airlock.deploy.DeployFiles.Doc;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Kubernetes objects of one manifest, checked offline: the fields the API server requires for each kind we ship,
 * the hardening every pod of ours has, selectors that select, probes on Airlock's routes, no secret value inline.
 * What a particular file must be (one replica or three) is {@link DeployRules}'.
 */
final class KubernetesChecks {
    /** The kinds we ship, with the one API version each is served under today. */
    static final Map<String, String> API_VERSIONS = Map.of("Secret", "v1", "ConfigMap", "v1",
            "PersistentVolumeClaim", "v1", "Service", "v1", "Deployment", "apps/v1", "PodDisruptionBudget", "policy/v1");
    /** Names of variables that hold secrets: such a variable must come from a Secret, never a literal value. */
    static final Pattern SECRETISH = Pattern.compile("(?i).*(PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL).*");
    private static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private final List<Doc> docs;
    private final Consumer<String> problem;
    /** Every airlock command line found in a container of ours: for {@link AirlockCommandLines}. */
    final List<Found> commandLines = new ArrayList<>();
    /** Every probe's HTTP path, for the route check. */
    final List<String> probePaths = new ArrayList<>();

    KubernetesChecks(List<Doc> docs, Consumer<String> problem) {
        this.docs = docs;
        this.problem = problem;
    }

    void run() {
        for (Doc d : docs) {
            String kind = d.tree().path("kind").asText("");
            String api = d.tree().path("apiVersion").asText("");
            if (kind.isEmpty()) {
                problem.accept(d.where() + ": no kind");
                continue;
            }
            if (!API_VERSIONS.containsKey(kind)) {
                problem.accept(d.where() + ": unknown kind " + kind + " (expected one of " + API_VERSIONS.keySet() + ")");
                continue;
            }
            if (!API_VERSIONS.get(kind).equals(api)) {
                problem.accept(d.where() + ": apiVersion must be " + API_VERSIONS.get(kind) + ", not '" + api + "'");
            }
            text(d, d.tree(), "metadata.name");
            switch (kind) {
                case "Deployment" -> deployment(d);
                case "Service" -> service(d);
                case "PodDisruptionBudget" -> budget(d);
                case "Secret" -> secret(d);
                case "PersistentVolumeClaim" -> {
                    nonEmpty(d, d.tree(), "spec.accessModes");
                    text(d, d.tree(), "spec.resources.requests.storage");
                }
                case "ConfigMap" -> { }
                default -> throw new AssertionError(kind);
            }
        }
    }

    List<Doc> ofKind(String kind) {
        return docs.stream().filter(d -> kind.equals(d.tree().path("kind").asText())).toList();
    }

    private void deployment(Doc d) {
        JsonNode spec = d.tree().path("spec");
        if (!spec.path("replicas").isInt() || spec.path("replicas").asInt() < 1) {
            problem.accept(d.where() + ": spec.replicas must be a number of at least 1");
        }
        JsonNode match = spec.path("selector").path("matchLabels");
        nonEmpty(d, d.tree(), "spec.selector.matchLabels");
        JsonNode labels = spec.path("template").path("metadata").path("labels");
        if (!selects(match, labels)) {
            problem.accept(d.where() + ": spec.selector.matchLabels " + match + " does not select the pod template's"
                    + " labels " + labels);
        }
        JsonNode pod = spec.path("template").path("spec");
        expect(d, pod, "automountServiceAccountToken", "false");
        expect(d, pod, "securityContext.runAsNonRoot", "true");
        if (!(at(pod, "securityContext.runAsUser").asInt(0) > 0)) {
            problem.accept(d.where() + ": securityContext.runAsUser must be a non-root UID");
        }
        expect(d, pod, "securityContext.seccompProfile.type", "RuntimeDefault");
        Set<String> volumes = new HashSet<>();
        pod.path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
        nonEmpty(d, pod, "containers");
        List<JsonNode> all = new ArrayList<>();
        pod.path("initContainers").forEach(all::add);
        pod.path("containers").forEach(all::add);
        for (JsonNode c : all) container(d, c, volumes);
        for (JsonNode c : pod.path("containers")) {
            if (!isAirlock(c)) continue;
            probe(d, c, "readinessProbe", "/readyz");
            probe(d, c, "livenessProbe", "/healthz");
            if (!c.path("startupProbe").isMissingNode()) probe(d, c, "startupProbe", null);
        }
    }

    static boolean isAirlock(JsonNode container) {
        return container.path("image").asText().contains("airlock");
    }

    private void container(Doc d, JsonNode c, Set<String> volumes) {
        String where = d.where() + " container " + c.path("name").asText("?");
        if (c.path("name").asText().isEmpty()) problem.accept(where + ": no name");
        if (c.path("image").asText().isEmpty()) problem.accept(where + ": no image");
        if (!"false".equals(at(c, "securityContext.allowPrivilegeEscalation").asText())) {
            problem.accept(where + ": securityContext.allowPrivilegeEscalation must be false");
        }
        if (!"true".equals(at(c, "securityContext.readOnlyRootFilesystem").asText())) {
            problem.accept(where + ": securityContext.readOnlyRootFilesystem must be true");
        }
        boolean dropsAll = false;
        for (JsonNode cap : at(c, "securityContext.capabilities.drop")) dropsAll |= "ALL".equals(cap.asText());
        if (!dropsAll) problem.accept(where + ": securityContext.capabilities.drop must hold ALL");
        for (String r : List.of("requests.cpu", "requests.memory", "limits.memory")) {
            if (at(c.path("resources"), r).asText().isEmpty()) problem.accept(where + ": resources." + r + " missing");
        }
        if (!at(c.path("resources"), "limits.memory").asText().equals(at(c.path("resources"), "requests.memory").asText())) {
            problem.accept(where + ": resources.limits.memory must equal requests.memory (no overcommit of memory)");
        }
        for (JsonNode m : c.path("volumeMounts")) {
            if (!volumes.contains(m.path("name").asText())) {
                problem.accept(where + ": volumeMount " + m.path("name").asText() + " names no volume of the pod");
            }
        }
        Set<String> env = new HashSet<>();
        for (JsonNode e : c.path("env")) {
            String name = e.path("name").asText();
            env.add(name);
            boolean literal = e.has("value");
            if (literal == e.has("valueFrom")) problem.accept(where + ": env " + name + " needs value or valueFrom");
            if (literal && SECRETISH.matcher(name).matches()) {
                problem.accept(where + ": env " + name + " is a literal value; a secret must come from a Secret");
            }
        }
        if (!isAirlock(c)) return;
        if (c.has("command")) problem.accept(where + ": command replaces the image's ENTRYPOINT (the JVM flags)");
        List<String> args = new ArrayList<>();
        c.path("args").forEach(a -> args.add(a.asText()));
        commandLines.add(new Found(where, args.stream().map(KubernetesChecks::asTheKubeletExpandsIt).toList()));
        for (String a : args) {
            Matcher m = VAR_REF.matcher(a);
            while (m.find()) {
                if (!env.contains(m.group(1))) {
                    problem.accept(where + ": args use $(" + m.group(1) + ") but env defines no such variable"
                            + " (the kubelet would pass the text as it is)");
                }
            }
        }
    }

    /**
     * What the kubelet passes for {@code $(VAR)}: the value the README's {@code kubectl create secret} gives it, so
     * that the parser sees a URL where a URL goes (an option with a typed converter would refuse the raw text).
     */
    static String asTheKubeletExpandsIt(String arg) {
        return arg.replace("$(AIRLOCK_STORE_URL)", "postgresql://postgres.example.internal:5432/airlock?user=airlock");
    }

    private void probe(Doc d, JsonNode c, String probe, String mustBe) {
        String where = d.where() + " container " + c.path("name").asText() + " " + probe;
        JsonNode get = c.path(probe).path("httpGet");
        String path = get.path("path").asText("");
        if (path.isEmpty()) {
            problem.accept(where + ": no httpGet.path");
            return;
        }
        probePaths.add(path);
        if (mustBe != null && !mustBe.equals(path)) problem.accept(where + ": path must be " + mustBe + ", not " + path);
        JsonNode port = get.path("port");
        boolean named = false;
        for (JsonNode p : c.path("ports")) {
            named |= p.path("name").asText().equals(port.asText()) || p.path("containerPort").asText().equals(port.asText());
        }
        if (!named) problem.accept(where + ": port " + port + " is not a port of the container");
    }

    private void service(Doc d) {
        nonEmpty(d, d.tree(), "spec.selector");
        nonEmpty(d, d.tree(), "spec.ports");
        d.tree().path("spec").path("ports").forEach(p -> {
            if (!p.path("port").isInt()) problem.accept(d.where() + ": every port needs a numeric port");
        });
        selectsADeployment(d, d.tree().path("spec").path("selector"));
    }

    private void budget(Doc d) {
        JsonNode spec = d.tree().path("spec");
        if (spec.has("minAvailable") == spec.has("maxUnavailable")) {
            problem.accept(d.where() + ": exactly one of spec.minAvailable and spec.maxUnavailable");
        }
        nonEmpty(d, d.tree(), "spec.selector.matchLabels");
        selectsADeployment(d, spec.path("selector").path("matchLabels"));
    }

    /** A Secret kept in a manifest holds placeholders only: real values are made with kubectl, never in git. */
    private void secret(Doc d) {
        for (String field : List.of("data", "stringData")) {
            d.tree().path(field).fields().forEachRemaining(e -> {
                if (!e.getValue().asText().startsWith("REPLACE-ME")) {
                    problem.accept(d.where() + ": " + field + "." + e.getKey() + " holds a value, not a REPLACE-ME"
                            + " placeholder; create the Secret with kubectl instead");
                }
            });
        }
    }

    private void selectsADeployment(Doc d, JsonNode selector) {
        boolean any = ofKind("Deployment").stream().anyMatch(dep ->
                selects(selector, dep.tree().path("spec").path("template").path("metadata").path("labels")));
        if (!any) problem.accept(d.where() + ": selector " + selector + " selects no Deployment's pods in this file");
    }

    /** True if every label of a non-empty selector is on {@code labels} with the same value. */
    static boolean selects(JsonNode selector, JsonNode labels) {
        if (!selector.isObject() || selector.isEmpty()) return false;
        var it = selector.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) return false;
        }
        return true;
    }

    static JsonNode at(JsonNode node, String dotted) {
        JsonNode n = node;
        for (String part : dotted.split("\\.")) n = n.path(part);
        return n;
    }

    private void text(Doc d, JsonNode node, String dotted) {
        if (at(node, dotted).asText("").isEmpty()) problem.accept(d.where() + ": " + dotted + " missing");
    }

    private void nonEmpty(Doc d, JsonNode node, String dotted) {
        JsonNode n = at(node, dotted);
        if (!(n.isContainerNode() && !n.isEmpty())) problem.accept(d.where() + ": " + dotted + " missing or empty");
    }

    private void expect(Doc d, JsonNode node, String dotted, String value) {
        if (!value.equals(at(node, dotted).asText())) problem.accept(d.where() + ": " + dotted + " must be " + value);
    }
}
