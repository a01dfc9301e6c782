package dev.airlock.core.policy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads {@code scopes.yaml}: the catalog of {@code <type>:<verb>} scopes and their risks. */
final class ScopesSection {
    static final String FILE = "scopes.yaml";
    /** Lowercase only: scope strings are compared byte for byte on the wire (RFC 6749 §3.3 is case-sensitive). */
    static final Pattern PART = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
    static final Pattern NAME = Pattern.compile(PART.pattern() + ":" + PART.pattern());

    private ScopesSection() {}

    /**
     * @param scopes   usable scopes by name, in file order
     * @param declared every well-formed name declared, including scopes too broken to use: agents naming
     *                 those are not reported again, since the scope's own problem is the cause
     * @param complete false when the file is so broken (no {@code scopes} list) that any name may be missing
     *                 from it; references are then not checked, to report the cause rather than its echoes
     */
    record Catalog(Map<String, Scope> scopes, Set<String> declared, boolean complete) {
        /** True if a reference to {@code name} should be reported as unknown. */
        boolean unknown(String name) {
            return complete && !scopes.containsKey(name) && !declared.contains(name);
        }
    }

    static Catalog read(YamlNode root, StrictReader r, SourceMap where) {
        Map<String, Scope> scopes = new LinkedHashMap<>();
        Set<String> declared = new HashSet<>();
        Map<String, Integer> firstLine = new HashMap<>();
        StrictReader.Fields top = r.fields(root, "", List.of("scopes"), List.of());
        List<YamlNode> items = top == null || top.get("scopes") == null ? null : r.list(top.get("scopes"), "scopes");
        if (items == null) return new Catalog(scopes, declared, false);
        Catalog catalog = new Catalog(scopes, declared, true);
        for (int i = 0; i < items.size(); i++) {
            String path = StrictReader.index("scopes", i);
            StrictReader.Fields f = r.fields(items.get(i), path,
                    List.of("name", "risk"), List.of("grant_required", "description"));
            if (f == null) continue;
            String name = f.name("name", NAME, "scope name");
            Risk risk = risk(f, r);
            Boolean grantRequired = f.get("grant_required") == null ? Boolean.FALSE
                    : r.bool(f.get("grant_required"), f.path("grant_required"));
            String description = f.string("description");
            if (name != null) declared.add(name);
            if (name == null || risk == null || grantRequired == null) continue;

            int line = f.get("name").line();
            Integer first = firstLine.putIfAbsent(name, line);
            if (first != null) {
                r.error(line, f.path("name"), "duplicate scope '" + name + "' (first declared at line " + first + ")");
                continue;
            }
            String type = name.substring(0, name.indexOf(':'));
            String verb = name.substring(name.indexOf(':') + 1);
            String word = DestructiveWords.destructivePart(verb).orElse(null);
            if (word != null && risk != Risk.DESTRUCTIVE) {
                r.error(f.get("risk"), f.path("risk"), "'" + name + "' cannot be risk " + risk.label() + ": its verb '"
                        + verb + "' contains the built-in destructive word '" + word + "', and policy can raise a risk,"
                        + " never lower a built-in destructive verb; declare it risk: destructive");
                // Scope's constructor keeps it destructive, so agents that list it are judged by what it really is.
            }
            scopes.put(name, new Scope(name, type, verb, risk, grantRequired, description));
            where.put(SourceMap.scope(name), FILE, line, path);
        }
        return catalog;
    }

    private static Risk risk(StrictReader.Fields f, StrictReader r) {
        String s = f.string("risk");
        if (s == null) return null;
        try {
            return Risk.parse(s);
        } catch (IllegalArgumentException e) {
            r.error(f.get("risk"), f.path("risk"), e.getMessage());
            return null;
        }
    }
}
