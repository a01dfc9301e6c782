package dev.airlock.core.proxy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
            if (p.name().equalsIgnoreCase("_method")) {
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
     * The one value of {@code name}, or null if absent. Refused when given twice, also under another case
     * ({@code volumeId} and {@code VolumeId}: ASP.NET binds them as one).
     */
    Param single(String name) throws Refusal {
        Param found = null;
        for (Param p : params) {
            if (!p.name().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) continue;
            if (found != null) {
                throw new Refusal(MappingResult.BAD_REQUEST, "query parameter '" + RequestChecks.printable(name)
                        + "' is given more than once");
            }
            found = p;
        }
        return found;
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
