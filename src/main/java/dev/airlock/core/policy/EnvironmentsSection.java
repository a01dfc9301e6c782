package dev.airlock.core.policy;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads {@code environments.yaml}: environments, their audiences, token lifetimes and the resources they own. */
final class EnvironmentsSection {
    static final String FILE = "environments.yaml";
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    /** Provider ids are opaque; printable ASCII without spaces keeps them unambiguous in logs and on the wire. */
    static final Pattern RESOURCE = Pattern.compile("\\p{Graph}{1,256}");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(s|m|h)");

    private record Located(String environment, ResourcePattern resource, int line, String path) {}

    private record Seen(String id, int line) {}

    private EnvironmentsSection() {}

    /**
     * @param scopeTypes the types of known scopes, or null if scopes.yaml is too broken to check types against
     * @return environments by name, or null if the file has no usable {@code environments} list
     */
    static Map<String, Environment> read(YamlNode root, StrictReader r, Set<String> scopeTypes, SourceMap where) {
        Map<String, Environment> environments = new LinkedHashMap<>();
        Map<String, Integer> audienceLine = new HashMap<>();
        Map<String, String> audienceOwner = new HashMap<>();
        List<Located> all = new ArrayList<>();
        StrictReader.Fields top = r.fields(root, "", List.of("environments"), List.of());
        List<YamlNode> items = top == null || top.get("environments") == null ? null
                : r.list(top.get("environments"), "environments");
        if (items == null) return null;
        if (items.isEmpty()) {
            r.error(top.get("environments"), "environments", "no environments: declare at least one");
        }
        for (int i = 0; i < items.size(); i++) {
            String path = StrictReader.index("environments", i);
            StrictReader.Fields f = r.fields(items.get(i), path,
                    List.of("name"), List.of("audience", "token_lifetime", "resources"));
            if (f == null) continue;
            String name = f.name("name", NAME, "environment name");
            // Bad lifetimes, audiences and resources are reported and replaced by safe stand-ins, so that agents
            // naming this environment are still checked; any problem at all fails the load.
            Duration lifetime = lifetime(f, r);
            List<Located> resources = resources(f, r, scopeTypes, name);
            if (name == null) continue;
            String audience = f.get("audience") == null ? Environment.defaultAudience(name) : audience(f, r, name);

            int line = f.get("name").line();
            if (environments.containsKey(name)) {
                r.error(line, f.path("name"), "duplicate environment '" + name + "' (first declared at line "
                        + where.get(SourceMap.environment(name), FILE, "").line() + ")");
                continue;
            }
            int audLine = f.get("audience") == null ? line : f.get("audience").line();
            Integer firstAud = audienceLine.putIfAbsent(audience, audLine);
            if (firstAud != null) {
                r.error(audLine, f.path("audience"), "audience '" + audience + "' is already used by environment '"
                        + audienceOwner.get(audience) + "' (line " + firstAud + "): a token's audience must name one environment");
            }
            audienceOwner.putIfAbsent(audience, name);
            where.put(SourceMap.environment(name), FILE, line, path);
            for (Located l : resources) where.put(SourceMap.resource(name, l.resource().pattern()), FILE, l.line(), l.path());
            all.addAll(resources);
            environments.put(name, new Environment(name, audience, lifetime,
                    resources.stream().map(Located::resource).toList()));
        }
        reportOverlaps(all, r);
        return environments;
    }

    /** Durations are one number and one unit (90s, 5m, 1h): nothing to misread in a review. */
    static Duration parseDuration(String s) {
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) throw new IllegalArgumentException("malformed duration '" + s + "' (use a whole number and s, m or h, like 90s, 5m, 1h)");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    private static Duration lifetime(StrictReader.Fields f, StrictReader r) {
        YamlNode node = f.get("token_lifetime");
        if (node == null) return Policy.DEFAULT_TOKEN_LIFETIME;
        String s = r.string(node, f.path("token_lifetime"));
        if (s == null) return Policy.DEFAULT_TOKEN_LIFETIME;
        String problem;
        try {
            Duration d = s.startsWith("-") ? Duration.ZERO : parseDuration(s);
            if (d.isZero()) {
                problem = "token_lifetime must be greater than zero";
            } else if (d.compareTo(Policy.MAX_TOKEN_LIFETIME) > 0) {
                // An error, not a clamp: a policy that says 1h and silently gets 15m is a policy nobody can read.
                problem = "token_lifetime " + s + " is above the hard cap of " + Policy.MAX_TOKEN_LIFETIME.toMinutes() + "m";
            } else {
                return d;
            }
        } catch (IllegalArgumentException e) {
            problem = e.getMessage();
        }
        r.error(node, f.path("token_lifetime"), problem);
        return Policy.DEFAULT_TOKEN_LIFETIME;
    }

    /** RFC 8707 §2: a resource indicator is an absolute URI, so the audience we mint must be one too. */
    private static String audience(StrictReader.Fields f, StrictReader r, String name) {
        String s = f.string("audience");
        if (s == null) return Environment.defaultAudience(name);
        try {
            if (new URI(s).isAbsolute()) return s;
        } catch (URISyntaxException e) {
            // reported below
        }
        r.error(f.get("audience"), f.path("audience"), "audience '" + s + "' is not an absolute URI (e.g. urn:airlock:env:staging)");
        return Environment.defaultAudience(name);
    }

    private static List<Located> resources(StrictReader.Fields f, StrictReader r, Set<String> scopeTypes, String env) {
        List<Located> out = new ArrayList<>();
        YamlNode node = f.get("resources");
        if (node == null) return out;
        List<YamlNode> items = r.list(node, f.path("resources"));
        if (items == null) return out;
        Map<String, Seen> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String path = StrictReader.index(f.path("resources"), i);
            YamlNode item = items.get(i);
            String id;
            String type = null;
            if (item instanceof YamlNode.MapNode) {
                StrictReader.Fields rf = r.fields(item, path, List.of("id"), List.of("type"));
                id = rf.name("id", RESOURCE, "resource id");
                if (rf.get("type") != null) {
                    type = rf.name("type", ScopesSection.PART, "resource type");
                    if (type != null && scopeTypes != null && !scopeTypes.contains(type)) {
                        r.error(rf.get("type"), rf.path("type"), "resource type '" + type
                                + "' is not the type of any scope (known: " + String.join(", ", new TreeSet<>(scopeTypes)) + ")");
                        type = null;
                    }
                }
            } else {
                id = r.name(item, path, RESOURCE, "resource id");
            }
            if (id == null) continue;
            // Keyed by canonical form: VOL-7F3A beside vol-7f3a is one resource written twice, which a reader would
            // take for two, and whose two entries could even disagree about its type.
            Seen first = seen.putIfAbsent(CanonicalId.of(id), new Seen(id, item.line()));
            if (first != null) {
                r.error(item, path, "resource '" + id + "' is listed twice in this environment (first at line "
                        + first.line() + sameAfterFolding(id, first.id()) + ")");
                continue;
            }
            out.add(new Located(env, new ResourcePattern(id, type), item.line(), path));
        }
        return out;
    }

    /** Explains a clash between two spellings, which a reader would otherwise take for two different ids. */
    private static String sameAfterFolding(String a, String b) {
        return a.equals(b) || !CanonicalId.of(a).equals(CanonicalId.of(b)) ? ""
                : "; ids are compared case-insensitively after Unicode NFKC normalisation, so both are '"
                + CanonicalId.of(a) + "'";
    }

    /**
     * A resource belongs to exactly one environment: otherwise a staging token could act on a production volume.
     * Every pair across environments that {@link Glob#intersects} is reported, so globs that merely could match
     * the same id (vol-7f3a* and vol-7f3a-stg) are caught before any such id exists.
     */
    private static void reportOverlaps(List<Located> all, StrictReader r) {
        List<String> patterns = all.stream().map(l -> l.resource().pattern()).toList();
        List<String> environments = all.stream().map(Located::environment).toList();
        for (int[] pair : overlappingPairs(patterns, environments)) {
            Located a = all.get(pair[0]);
            Located b = all.get(pair[1]);
            r.error(b.line(), b.path(), "resource '" + b.resource().pattern() + "' in environment '"
                    + b.environment() + "' overlaps '" + a.resource().pattern() + "' in environment '"
                    + a.environment() + "' (" + FILE + ":" + a.line() + " " + a.path()
                    + sameAfterFolding(b.resource().pattern(), a.resource().pattern())
                    + "): a resource belongs to exactly one environment");
        }
    }

    /**
     * Every pair {@code {i, j}}, {@code i < j}, of patterns in different environments that could match the same id,
     * ordered by {@code j} then {@code i}: what comparing every pair would find, without comparing every pair. Two
     * plain ids overlap only if their {@link CanonicalId canonical forms} are equal, so those are found through a map
     * keyed by that form, and only globs are compared with what came before them: linear for plain ids with a few
     * globs, where every pair was half a million comparisons for a thousand resources, most of the time a start spent
     * reading the policy.
     */
    static List<int[]> overlappingPairs(List<String> patterns, List<String> environments) {
        List<int[]> pairs = new ArrayList<>();
        Map<String, List<Integer>> plainAt = new HashMap<>();
        List<Integer> globsSoFar = new ArrayList<>();
        for (int j = 0; j < patterns.size(); j++) {
            String b = CanonicalId.of(patterns.get(j));
            boolean glob = Glob.isGlob(b);
            List<Integer> candidates;
            if (glob) {
                candidates = java.util.stream.IntStream.range(0, j).boxed().toList();
            } else {
                candidates = new ArrayList<>(plainAt.getOrDefault(b, List.of()));
                candidates.addAll(globsSoFar);
                candidates.sort(null);
            }
            for (int i : candidates) {
                if (environments.get(i).equals(environments.get(j))) continue;
                if (Glob.intersects(patterns.get(i), b)) pairs.add(new int[] {i, j});
            }
            if (glob) globsSoFar.add(j);
            else plainAt.computeIfAbsent(b, k -> new ArrayList<>()).add(j);
        }
        return pairs;
    }
}
