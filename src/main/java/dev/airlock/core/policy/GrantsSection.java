package dev.airlock.core.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the optional {@code grants.yaml}: lifetimes and uses of human grants, who may approve them in each
 * environment and how many must, and the webhooks that announce them. An absent (or empty) file means the
 * built-in defaults and no approvers anywhere: grants can be requested but never approved.
 */
final class GrantsSection {
    static final String FILE = "grants.yaml";
    /** Ops group names, the same alphabet as agent ids. */
    static final Pattern GROUP = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final List<String> SETTINGS = List.of("pending_lifetime", "token_lifetime", "uses", "poll_interval",
            "destructive_uses_per_day");

    /** The file's contents resolved per environment. */
    record Grants(Map<String, GrantRules> rules, List<Webhook> webhooks, GrantLimits limits, Set<String> adminGroups,
                  List<Precondition> preconditions) {}

    /** Values from one {@code defaults} or environment map; null where absent or broken (the error is reported). */
    private record Settings(Duration pendingLifetime, Duration tokenLifetime, Integer uses, Duration pollInterval,
                            Integer budget) {
        static final Settings NONE = new Settings(null, null, null, null, null);
        static final Settings BUILT_IN = new Settings(GrantRules.DEFAULT_PENDING_LIFETIME, GrantRules.DEFAULT_TOKEN_LIFETIME,
                GrantRules.DEFAULT_USES, GrantRules.DEFAULT_POLL_INTERVAL, 0);

        Settings over(Settings base) {
            return new Settings(pendingLifetime != null ? pendingLifetime : base.pendingLifetime,
                    tokenLifetime != null ? tokenLifetime : base.tokenLifetime,
                    uses != null ? uses : base.uses,
                    pollInterval != null ? pollInterval : base.pollInterval,
                    budget != null ? budget : base.budget);
        }
    }

    /** What one environment entry says; approvals are null where not given. */
    private record EnvironmentEntry(Settings settings, Set<String> approverGroups, Integer destructive, Integer other,
                                    ApprovalFactor destructiveFactor, ApprovalFactor otherFactor) {}

    /** Bounds of one duration setting, with the words the error message uses. */
    private record Bounds(Duration min, String minLabel, Duration max, String maxLabel) {}

    private static final Map<String, Bounds> BOUNDS = Map.of(
            "pending_lifetime", new Bounds(null, null, GrantRules.MAX_PENDING_LIFETIME, "the maximum of 24h"),
            // An error, not a clamp, as for environments: a policy that says 1h and gets 15m is misread by everyone.
            "token_lifetime", new Bounds(null, null, Policy.MAX_TOKEN_LIFETIME, "the hard cap of 15m"),
            "poll_interval", new Bounds(GrantRules.MIN_POLL_INTERVAL, "1s", GrantRules.MAX_POLL_INTERVAL, "the maximum of 60s"));

    private GrantsSection() {}

    /**
     * @param root         the file's root, or null if there is no grants.yaml
     * @param environments known environments, or null if environments.yaml is too broken to check names against
     * @param scopes       the scope catalog, for the preconditions
     * @return rules for every known environment (and any named here), the webhooks and the preconditions
     */
    static Grants read(YamlNode root, StrictReader r, Map<String, Environment> environments, Map<String, Scope> scopes,
                       SourceMap where) {
        Settings defaults = Settings.NONE;
        Map<String, EnvironmentEntry> entries = new LinkedHashMap<>();
        List<Webhook> webhooks = new ArrayList<>();
        GrantLimits limits = GrantLimits.DEFAULT;
        Set<String> adminGroups = Set.of();
        List<Precondition> preconditions = List.of();
        boolean empty = root == null || (root instanceof YamlNode.ScalarNode s && s.kind() == YamlNode.ScalarNode.Kind.NULL);
        if (!empty) {
            StrictReader.Fields top = r.fields(root, "", List.of(), List.of("defaults", "environments", "webhooks", "limits",
                    "admin_groups", "preconditions"));
            if (top != null) {
                if (top.get("defaults") != null) {
                    StrictReader.Fields f = r.fields(top.get("defaults"), "defaults", List.of(), SETTINGS);
                    if (f != null) defaults = settings(f, r);
                }
                if (top.get("environments") != null) entries = environments(top, r, environments, where);
                if (top.get("webhooks") != null) webhooks = webhooks(top, r);
                if (top.get("limits") != null) limits = limits(top, r);
                if (top.get("admin_groups") != null) {
                    adminGroups = groups(top, "admin_groups", r, "no admin groups: name at least one, or leave"
                            + " admin_groups out (then nobody can administer Airlock over HTTP)");
                }
                preconditions = PreconditionsSection.read(top, r, scopes, environments);
            }
        }
        Settings base = defaults.over(Settings.BUILT_IN);
        Map<String, GrantRules> rules = new LinkedHashMap<>();
        if (environments != null) {
            for (String name : environments.keySet()) rules.put(name, resolve(name, entries.get(name), base));
        }
        for (Map.Entry<String, EnvironmentEntry> e : entries.entrySet()) {
            rules.computeIfAbsent(e.getKey(), name -> resolve(name, e.getValue(), base));
        }
        return new Grants(rules, webhooks, limits, adminGroups, preconditions);
    }

    /** {@code limits}: each key optional, defaulting to {@link GrantLimits#DEFAULT}; out of range is a located error. */
    private static GrantLimits limits(StrictReader.Fields top, StrictReader r) {
        GrantLimits d = GrantLimits.DEFAULT;
        StrictReader.Fields f = r.fields(top.get("limits"), "limits", List.of(),
                List.of("pending_per_agent", "pending_total", "finished_per_agent", "finished_total"));
        if (f == null) return d;
        Integer pendingPerAgent = limit(f, r, "pending_per_agent", GrantLimits.MAX_PENDING_PER_AGENT);
        Integer pendingTotal = limit(f, r, "pending_total", GrantLimits.MAX_PENDING_TOTAL);
        Integer finishedPerAgent = limit(f, r, "finished_per_agent", GrantLimits.MAX_FINISHED_PER_AGENT);
        Integer finishedTotal = limit(f, r, "finished_total", GrantLimits.MAX_FINISHED_TOTAL);
        return new GrantLimits(pendingPerAgent != null ? pendingPerAgent : d.pendingPerAgent(),
                pendingTotal != null ? pendingTotal : d.pendingTotal(),
                finishedPerAgent != null ? finishedPerAgent : d.finishedPerAgent(),
                finishedTotal != null ? finishedTotal : d.finishedTotal());
    }

    private static Integer limit(StrictReader.Fields f, StrictReader r, String key, int max) {
        return f.get(key) == null ? null : r.integer(f.get(key), f.path(key), "limits." + key, 1, max);
    }

    private static GrantRules resolve(String environment, EnvironmentEntry entry, Settings base) {
        Settings s = entry == null ? base : entry.settings().over(base);
        Set<String> groups = entry == null ? Set.of() : entry.approverGroups();
        int destructive = entry == null || entry.destructive() == null
                ? GrantRules.defaultDestructiveApprovals(environment) : entry.destructive();
        int other = entry == null || entry.other() == null ? 1 : entry.other();
        ApprovalFactor destructiveFactor = entry == null || entry.destructiveFactor() == null
                ? GrantRules.DEFAULT_FACTOR : entry.destructiveFactor();
        ApprovalFactor otherFactor = entry == null || entry.otherFactor() == null
                ? GrantRules.DEFAULT_FACTOR : entry.otherFactor();
        return new GrantRules(s.pendingLifetime(), s.tokenLifetime(), s.uses(), s.pollInterval(), groups, destructive, other,
                s.budget(), destructiveFactor, otherFactor);
    }

    private static Settings settings(StrictReader.Fields f, StrictReader r) {
        Integer uses = f.get("uses") == null ? null
                : r.integer(f.get("uses"), f.path("uses"), "uses", 1, GrantRules.MAX_USES);
        Integer budget = f.get("destructive_uses_per_day") == null ? null : r.integer(f.get("destructive_uses_per_day"),
                f.path("destructive_uses_per_day"), "destructive_uses_per_day", 1, GrantRules.MAX_DESTRUCTIVE_USES_PER_DAY);
        return new Settings(duration(f, "pending_lifetime", r), duration(f, "token_lifetime", r), uses,
                duration(f, "poll_interval", r), budget);
    }

    /** A duration setting, or null if absent or wrong (reported; the load then fails). */
    private static Duration duration(StrictReader.Fields f, String key, StrictReader r) {
        YamlNode node = f.get(key);
        if (node == null) return null;
        String s = r.string(node, f.path(key));
        if (s == null) return null;
        Bounds b = BOUNDS.get(key);
        String problem;
        try {
            Duration d = s.startsWith("-") ? Duration.ZERO : EnvironmentsSection.parseDuration(s);
            if (d.isZero()) {
                problem = key + " must be greater than zero";
            } else if (b.min() != null && d.compareTo(b.min()) < 0) {
                problem = key + " " + s + " is below the minimum of " + b.minLabel();
            } else if (d.compareTo(b.max()) > 0) {
                problem = key + " " + s + " is above " + b.maxLabel();
            } else {
                return d;
            }
        } catch (IllegalArgumentException e) {
            problem = e.getMessage();
        }
        r.error(node, f.path(key), problem);
        return null;
    }

    private static Map<String, EnvironmentEntry> environments(StrictReader.Fields top, StrictReader r,
                                                              Map<String, Environment> known, SourceMap where) {
        Map<String, EnvironmentEntry> out = new LinkedHashMap<>();
        YamlNode node = top.get("environments");
        if (!(node instanceof YamlNode.MapNode map)) {
            r.error(node, "environments", "expected a map of environment name to grant rules, got " + node.describe());
            return out;
        }
        List<String> allowed = new ArrayList<>(List.of("approvals", "approval_factor"));
        allowed.addAll(SETTINGS);
        for (YamlNode.Entry e : map.entries().values()) {
            String path = StrictReader.child("environments", e.key());
            boolean unknown = known != null && !known.containsKey(e.key());
            if (unknown) {
                r.error(e.line(), path, "unknown environment '" + e.key() + "' (known: "
                        + String.join(", ", known.keySet()) + ")");
            }
            StrictReader.Fields f = r.fields(e.value(), path, List.of("approver_groups"), allowed);
            if (f == null) continue;
            Settings settings = settings(f, r);
            Set<String> groups = approverGroups(f, r);
            Integer destructive = null;
            Integer other = null;
            if (f.get("approvals") != null) {
                StrictReader.Fields a = r.fields(f.get("approvals"), f.path("approvals"), List.of(), List.of("destructive", "other"));
                if (a != null) {
                    destructive = a.get("destructive") == null ? null : r.integer(a.get("destructive"), a.path("destructive"),
                            "approvals.destructive", 1, GrantRules.MAX_APPROVALS);
                    other = a.get("other") == null ? null : r.integer(a.get("other"), a.path("other"),
                            "approvals.other", 1, GrantRules.MAX_APPROVALS);
                }
            }
            ApprovalFactor[] factors = factors(f, r);
            if (unknown) continue;
            where.put(SourceMap.grantEnvironment(e.key()), FILE, e.line(), path);
            out.put(e.key(), new EnvironmentEntry(settings, groups, destructive, other, factors[0], factors[1]));
        }
        return out;
    }

    /**
     * {@code approval_factor}: one value for every approval here ({@code approval_factor: passkey}), or one per risk as
     * {@code approvals} has them ({@code {destructive: passkey, other: any}}); absent parts are null (the default).
     */
    private static ApprovalFactor[] factors(StrictReader.Fields f, StrictReader r) {
        ApprovalFactor[] out = new ApprovalFactor[2];
        YamlNode node = f.get("approval_factor");
        if (node == null) return out;
        if (node instanceof YamlNode.MapNode) {
            StrictReader.Fields a = r.fields(node, f.path("approval_factor"), List.of(), List.of("destructive", "other"));
            if (a != null) {
                out[0] = factor(a, "destructive", r);
                out[1] = factor(a, "other", r);
            }
            return out;
        }
        ApprovalFactor both = factor(f, "approval_factor", r);
        out[0] = both;
        out[1] = both;
        return out;
    }

    private static ApprovalFactor factor(StrictReader.Fields f, String key, StrictReader r) {
        YamlNode node = f.get(key);
        if (node == null) return null;
        String s = r.string(node, f.path(key));
        if (s == null) return null;
        try {
            return ApprovalFactor.parse(s);
        } catch (IllegalArgumentException e) {
            r.error(node, f.path(key), e.getMessage());
            return null;
        }
    }

    private static Set<String> approverGroups(StrictReader.Fields f, StrictReader r) {
        return groups(f, "approver_groups", r, "no approver groups: name at least one, or leave this environment"
                + " out of grants.yaml (then nobody can approve grants in it)");
    }

    /** A non-empty list of distinct ops group names under {@code key}; a missing key reads as empty. */
    private static Set<String> groups(StrictReader.Fields f, String key, StrictReader r, String whenEmpty) {
        Set<String> out = new LinkedHashSet<>();
        YamlNode node = f.get(key);
        if (node == null) return out; // reported as a missing required key where it is required
        List<YamlNode> items = r.list(node, f.path(key));
        if (items == null) return out;
        if (items.isEmpty()) r.error(node, f.path(key), whenEmpty);
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String path = StrictReader.index(f.path(key), i);
            String name = r.name(items.get(i), path, GROUP, "group name");
            if (name == null) continue;
            Integer first = seen.putIfAbsent(name, items.get(i).line());
            if (first != null) {
                r.error(items.get(i), path, "group '" + name + "' is listed twice");
                continue;
            }
            out.add(name);
        }
        return out;
    }

    private static List<Webhook> webhooks(StrictReader.Fields top, StrictReader r) {
        List<Webhook> out = new ArrayList<>();
        List<YamlNode> items = r.list(top.get("webhooks"), "webhooks");
        if (items == null) return out;
        for (int i = 0; i < items.size(); i++) {
            String path = StrictReader.index("webhooks", i);
            StrictReader.Fields f = r.fields(items.get(i), path, List.of(), List.of("url", "url_env", "events"));
            if (f == null) continue;
            String url = null;
            String urlEnv = null;
            boolean ok = true;
            if (f.get("url") != null && f.get("url_env") != null) {
                r.error(f.node(), path, "both url and url_env: give exactly one");
                ok = false;
            } else if (f.get("url") == null && f.get("url_env") == null) {
                r.error(f.node(), path, "missing url or url_env: give exactly one");
                ok = false;
            }
            if (f.get("url") != null) {
                url = f.string("url");
                String problem = url == null ? null : Webhook.urlProblem(url);
                if (problem != null) {
                    r.error(f.get("url"), f.path("url"), problem);
                    url = null;
                }
                ok &= url != null;
            }
            if (f.get("url_env") != null) {
                urlEnv = f.name("url_env", Webhook.ENV_NAME, "environment variable name");
                ok &= urlEnv != null;
            }
            Set<String> events = events(f, r);
            if (ok && events != null) out.add(new Webhook(url, urlEnv, events));
        }
        return out;
    }

    /** The listed events, all of them when the key is absent, or null if the list is wrong. */
    private static Set<String> events(StrictReader.Fields f, StrictReader r) {
        YamlNode node = f.get("events");
        if (node == null) return new LinkedHashSet<>(Webhook.EVENTS);
        List<YamlNode> items = r.list(node, f.path("events"));
        if (items == null) return null;
        if (items.isEmpty()) {
            r.error(node, f.path("events"), "no events: leave events out to send all of them");
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            String path = StrictReader.index(f.path("events"), i);
            String event = r.string(items.get(i), path);
            if (event == null) {
                ok = false;
            } else if (!Webhook.EVENTS.contains(event)) {
                r.error(items.get(i), path, "unknown event '" + event + "' (known: " + String.join(", ", Webhook.EVENTS) + ")");
                ok = false;
            } else if (!out.add(event)) {
                r.error(items.get(i), path, "event '" + event + "' is listed twice");
                ok = false;
            }
        }
        return ok ? out : null;
    }
}
