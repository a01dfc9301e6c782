package dev.airlock.core.policy;

import com.nimbusds.jose.jwk.JWKSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads {@code agents.yaml}: who may ask for tokens, how they authenticate, and what they may get where. */
final class AgentsSection {
    static final String FILE = "agents.yaml";
    static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private AgentsSection() {}

    /** @param environments known environments, or null if environments.yaml is too broken to check names against */
    static List<Agent> read(YamlNode root, StrictReader r, Map<String, Environment> environments,
                            ScopesSection.Catalog scopes, SourceMap where) {
        List<Agent> agents = new ArrayList<>();
        Map<String, Integer> firstLine = new LinkedHashMap<>();
        StrictReader.Fields top = r.fields(root, "", List.of("agents"), List.of());
        List<YamlNode> items = top == null || top.get("agents") == null ? null : r.list(top.get("agents"), "agents");
        if (items == null) return agents;
        for (int i = 0; i < items.size(); i++) {
            String path = StrictReader.index("agents", i);
            StrictReader.Fields f = r.fields(items.get(i), path,
                    List.of("id", "auth"), List.of("environments", "description", "owner", "jwks", "introspect"));
            if (f == null) continue;
            if (f.get("environments") == null && f.get("introspect") == null) {
                r.error(items.get(i), path, "missing required key 'environments' (what the agent may get), or"
                        + " 'introspect' for a resource server that only checks tokens");
            }
            String id = f.name("id", ID, "agent id");
            String description = f.string("description");
            String owner = f.get("owner") == null ? null : f.name("owner", Pattern.compile("\\S.{0,127}"), "owner");
            AuthMethod auth = auth(f, r);
            JWKSet jwks = Jwks.read(f, r, auth);
            Map<String, AgentGrants> grants = f.get("environments") == null && f.get("introspect") != null ? Map.of()
                    : environments(f, r, environments, scopes, id, where);
            Set<String> introspect = introspect(f, r, environments);
            if (id == null || auth == null || grants == null || introspect == null) continue;
            int line = f.get("id").line();
            Integer first = firstLine.putIfAbsent(id, line);
            if (first != null) {
                r.error(line, f.path("id"), "duplicate agent '" + id + "' (first declared at line " + first + ")");
                continue;
            }
            where.put(SourceMap.agent(id), FILE, line, path);
            agents.add(new Agent(id, description, auth, jwks, owner, grants, introspect));
        }
        return agents;
    }

    /**
     * {@code introspect}: the environments whose tokens this client may introspect (RFC 7662 §4: the endpoint must
     * require authorization, and should tell a resource server only about tokens meant for it). Absent: none.
     * Null when broken (reported).
     */
    private static Set<String> introspect(StrictReader.Fields f, StrictReader r, Map<String, Environment> known) {
        YamlNode node = f.get("introspect");
        if (node == null) return Set.of();
        List<YamlNode> items = r.list(node, f.path("introspect"));
        if (items == null) return null;
        if (items.isEmpty()) {
            r.error(node, f.path("introspect"), "no environments: name those whose tokens this client may"
                    + " introspect, or leave introspect out");
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            String path = StrictReader.index(f.path("introspect"), i);
            String name = r.string(items.get(i), path);
            if (name == null) {
                ok = false;
            } else if (known != null && !known.containsKey(name)) {
                r.error(items.get(i), path, "unknown environment '" + name + "' (known: "
                        + String.join(", ", known.keySet()) + ")");
                ok = false;
            } else if (!out.add(name)) {
                r.error(items.get(i), path, "environment '" + name + "' is listed twice");
                ok = false;
            }
        }
        return ok ? out : null;
    }

    private static AuthMethod auth(StrictReader.Fields f, StrictReader r) {
        String s = f.string("auth");
        if (s == null) return null;
        try {
            return AuthMethod.parse(s);
        } catch (IllegalArgumentException e) {
            r.error(f.get("auth"), f.path("auth"), e.getMessage());
            return null;
        }
    }

    private static Map<String, AgentGrants> environments(StrictReader.Fields f, StrictReader r,
            Map<String, Environment> known, ScopesSection.Catalog scopes, String agentId, SourceMap where) {
        YamlNode node = f.get("environments");
        if (node == null) return null;
        if (!(node instanceof YamlNode.MapNode map)) {
            r.error(node, f.path("environments"), "expected a map of environment name to scopes, got " + node.describe());
            return null;
        }
        if (map.entries().isEmpty()) {
            r.error(node, f.path("environments"), "no environments: an agent must be allowed in at least one");
            return null;
        }
        Map<String, AgentGrants> out = new LinkedHashMap<>();
        for (YamlNode.Entry e : map.entries().values()) {
            String path = StrictReader.child(f.path("environments"), e.key());
            if (known != null && !known.containsKey(e.key())) {
                r.error(e.line(), path, "unknown environment '" + e.key() + "' (known: "
                        + String.join(", ", known.keySet()) + ")");
                continue;
            }
            StrictReader.Fields g = r.fields(e.value(), path, List.of(), List.of("scopes", "default_scopes", "grantable"));
            if (g == null) continue;
            Set<String> automatic = scopeList(g, "scopes", r, scopes);
            Set<String> defaults = g.get("default_scopes") == null ? automatic : scopeList(g, "default_scopes", r, scopes);
            Set<String> grantable = scopeList(g, "grantable", r, scopes);
            checkDefaultsSubset(g, r, automatic);
            if (agentId != null) where.put(SourceMap.agentEnvironment(agentId, e.key()), FILE, e.line(), path);
            out.put(e.key(), new AgentGrants(automatic, defaults, grantable));
        }
        return out;
    }

    /**
     * Reads one list of scope names and enforces the invariant the whole product rests on: what an agent can
     * get without a human ({@code scopes}, {@code default_scopes}) is never destructive or grant-only, and
     * {@code grantable} holds only scopes that really need a human.
     */
    private static Set<String> scopeList(StrictReader.Fields g, String key, StrictReader r, ScopesSection.Catalog catalog) {
        Set<String> out = new LinkedHashSet<>();
        YamlNode node = g.get(key);
        if (node == null) return out;
        List<YamlNode> items = r.list(node, g.path(key));
        if (items == null) return out;
        for (int i = 0; i < items.size(); i++) {
            String path = StrictReader.index(g.path(key), i);
            String name = r.string(items.get(i), path);
            if (name == null) continue;
            Scope scope = catalog.scopes().get(name);
            if (scope == null && !catalog.unknown(name)) {
                out.add(name); // declared but broken, or scopes.yaml unreadable as a whole: that is the problem to fix
            } else if (scope == null) {
                r.error(items.get(i), path, "unknown scope '" + name + "'");
            } else if (!out.add(name)) {
                r.error(items.get(i), path, "scope '" + name + "' is listed twice");
            } else if (!key.equals("grantable") && !scope.automatic()) {
                r.error(items.get(i), path, "'" + name + "' is " + (scope.destructive() ? "destructive" : "grant_required")
                        + " and cannot be under " + key + ": put it under grantable; it can only be issued through a human grant");
            } else if (key.equals("grantable") && scope.automatic()) {
                r.error(items.get(i), path, "'" + name + "' is " + scope.risk().label() + " and needs no human grant:"
                        + " put it under scopes, not grantable");
            }
        }
        return out;
    }

    private static void checkDefaultsSubset(StrictReader.Fields g, StrictReader r, Set<String> automatic) {
        if (!(g.get("default_scopes") instanceof YamlNode.ListNode list)) return;
        for (int i = 0; i < list.items().size(); i++) {
            YamlNode item = list.items().get(i);
            if (item instanceof YamlNode.ScalarNode s && s.kind() == YamlNode.ScalarNode.Kind.STRING
                    && !automatic.contains(s.text())) {
                r.error(item, StrictReader.index(g.path("default_scopes"), i),
                        "default scope '" + s.text() + "' is not in scopes: defaults must be a subset of scopes");
            }
        }
    }
}
