package dev.airlock.core.proxy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A REST path template such as {@code /v1/volumes/{id}}, matched segment by segment against a canonical path:
 * a literal segment matches itself exactly (case-sensitive), {@code {name}} matches exactly one non-empty
 * segment. No wildcards spanning segments and no partial parameters ({@code v{n}}): a template must say
 * precisely which requests it covers.
 */
public final class PathTemplate {
    static final Pattern PARAM = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,31}");
    /** Literal segments: RFC 3986 pchar without '%' and ';' (the canonical path refuses those anyway). */
    static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9._~!$&'()*+,=:@-]{1,128}");
    static final int MAX_SEGMENTS = 32;

    /** One segment: a literal, or a parameter when {@code param} is true. */
    private record Part(String text, boolean param) {}

    private final String text;
    private final List<Part> parts;

    private PathTemplate(String text, List<Part> parts) {
        this.text = text;
        this.parts = List.copyOf(parts);
    }

    /** @throws IllegalArgumentException with a message for the provider file's author */
    public static PathTemplate parse(String text) {
        if (!text.startsWith("/")) throw new IllegalArgumentException("a path must start with '/'");
        List<Part> parts = new ArrayList<>();
        if (text.equals("/")) return new PathTemplate(text, parts);
        Set<String> names = new LinkedHashSet<>();
        for (String segment : text.substring(1).split("/", -1)) {
            if (segment.isEmpty()) throw new IllegalArgumentException("empty segment ('//' or a trailing '/')");
            if (segment.startsWith("{") && segment.endsWith("}")) {
                String name = segment.substring(1, segment.length() - 1);
                if (!PARAM.matcher(name).matches()) {
                    throw new IllegalArgumentException("malformed parameter '{" + name + "}' (must match " + PARAM.pattern() + ")");
                }
                if (!names.add(name)) throw new IllegalArgumentException("parameter {" + name + "} appears twice");
                parts.add(new Part(name, true));
            } else {
                if (segment.equals(".") || segment.equals("..")) {
                    throw new IllegalArgumentException("'.' and '..' segments are not allowed");
                }
                if (!LITERAL.matcher(segment).matches()) {
                    throw new IllegalArgumentException("segment '" + segment + "' must be a literal of " + LITERAL.pattern()
                            + " or a whole {parameter}");
                }
                parts.add(new Part(segment, false));
            }
            if (parts.size() > MAX_SEGMENTS) throw new IllegalArgumentException("more than " + MAX_SEGMENTS + " segments");
        }
        return new PathTemplate(text, parts);
    }

    /** The parameter names, in order. */
    public Set<String> params() {
        Set<String> out = new LinkedHashSet<>();
        for (Part p : parts) if (p.param()) out.add(p.text());
        return out;
    }

    /** The literal segments, in order: what the path says it does ({@code purge} in {@code /v1/volumes/{id}/purge}). */
    public List<String> literals() {
        List<String> out = new ArrayList<>();
        for (Part p : parts) if (!p.param()) out.add(p.text());
        return out;
    }

    /** The parameter values if the canonical segments match, else null. */
    Map<String, String> match(List<String> segments) {
        if (segments.size() != parts.size()) return null;
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            Part p = parts.get(i);
            if (p.param()) {
                values.put(p.text(), segments.get(i));
            } else if (!p.text().equals(segments.get(i))) {
                return null;
            }
        }
        return values;
    }

    /** True if some path matches both templates: then which rule applies would be a guess. */
    public boolean overlaps(PathTemplate other) {
        if (parts.size() != other.parts.size()) return false;
        for (int i = 0; i < parts.size(); i++) {
            Part a = parts.get(i);
            Part b = other.parts.get(i);
            if (!a.param() && !b.param() && !a.text().equals(b.text())) return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return text;
    }
}
