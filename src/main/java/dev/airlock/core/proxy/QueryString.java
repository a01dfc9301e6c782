package dev.airlock.core.proxy;

import dev.airlock.core.policy.CanonicalId;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw query string split into decoded parameters, in order, repeats kept, so callers can refuse what is
 * ambiguous (a parameter given twice, which the upstream may read first or last: HTTP parameter pollution).
 */
final class QueryString {
    /** @param raw the value as sent, before decoding, so callers can see a '+' */
    record Param(String name, String value, String raw) {}

    private final List<Param> params;

    private QueryString(List<Param> params) {
        this.params = List.copyOf(params);
    }

    /**
     * @param form true to decode '+' as a space (application/x-www-form-urlencoded, as GraphQL GET requests are);
     *             false to keep '+' (RFC 3986)
     */
    static QueryString parse(String raw, boolean form) throws Refusal {
        List<Param> out = new ArrayList<>();
        if (raw.isEmpty()) return new QueryString(out);
        if (raw.indexOf(';') >= 0) {
            // Some stacks (Python before 3.9.2, old Tomcat settings) also split on ';'.
            throw new Refusal(MappingResult.BAD_REQUEST, "';' in the query string is refused: send '&' or %3B");
        }
        for (String piece : raw.split("&", -1)) {
            if (piece.isEmpty()) continue;
            int eq = piece.indexOf('=');
            String name = eq < 0 ? piece : piece.substring(0, eq);
            String value = eq < 0 ? "" : piece.substring(eq + 1);
            out.add(new Param(decode(name, form), decode(value, form), value));
        }
        QueryString q = new QueryString(out);
        for (Param p : out) {
            if (sameParameter(key("_method"), key(p.name()))) {
                throw new Refusal(MappingResult.METHOD_OVERRIDE, "parameter _method is refused: the upstream could run"
                        + " another method than the one checked; send the real method instead");
            }
        }
        return q;
    }

    List<Param> all() {
        return params;
    }

    /**
     * The one value of {@code name}, or null if absent. Refused as ambiguous when given twice, also under any name
     * that a framework binds to the same parameter (see {@link #key}): {@code volumeId=vol-7f3a-stg&volumeId[]=vol-7f3a}
     * is one value to us and a list whose last element is production's volume to Rails, PHP or qs.
     */
    Param single(String name) throws Refusal {
        String wanted = key(name);
        Param found = null;
        for (Param p : params) {
            if (!sameParameter(wanted, key(p.name()))) continue;
            if (found != null) {
                String also = found.name().equals(p.name()) ? "" : " (as '" + RequestChecks.printable(found.name())
                        + "' and '" + RequestChecks.printable(p.name()) + "', which frameworks read as one parameter)";
                throw new Refusal(MappingResult.BAD_REQUEST, "query parameter '" + RequestChecks.printable(name)
                        + "' is given more than once" + also);
            }
            found = p;
        }
        return found;
    }

    /**
     * A parameter name as the frameworks in front of provider APIs bind it, so that every spelling of one parameter has
     * one key: percent-decoded (already, by {@link #parse}); case-folded in {@link CanonicalId canonical form}
     * (ASP.NET and Spring's relaxed binding ignore case); with PHP's mangling of the name ({@code volume.id} and
     * {@code volume id} become {@code volume_id}, leading spaces dropped); and without trailing {@code []} or
     * {@code [0]} (Rails, PHP, qs and Spring read {@code volumeId[]} and {@code volumeId[0]} as {@code volumeId}).
     */
    static String key(String name) {
        String k = CanonicalId.of(name).stripLeading().replace(' ', '_').replace('.', '_');
        while (true) {
            int open = k.lastIndexOf('[');
            if (open <= 0 || !k.endsWith("]") || !k.substring(open + 1, k.length() - 1).chars().allMatch(Character::isDigit)) {
                return k;
            }
            k = k.substring(0, open);
        }
    }

    /**
     * Whether a parameter keyed {@code other} binds to the parameter keyed {@code wanted}: the same key, or a member of
     * it ({@code volumeId[x]}, which PHP and qs turn {@code volumeId} into a map for).
     */
    private static boolean sameParameter(String wanted, String other) {
        return other.equals(wanted) || other.startsWith(wanted + "[");
    }

    private static String decode(String s, boolean form) throws Refusal {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int value = RequestChecks.escape(s, i);
                if (value < 0) throw new Refusal(MappingResult.BAD_REQUEST, "malformed percent-encoding in the query string");
                bytes.write(value);
                i += 2;
            } else if (c == '+' && form) {
                bytes.write(' ');
            } else if (c < 0x21 || c > 0x7E) {
                throw new Refusal(MappingResult.BAD_REQUEST, "the query string has a character that must be percent-encoded");
            } else {
                bytes.write(c);
            }
        }
        return RequestChecks.utf8(bytes.toByteArray());
    }
}
