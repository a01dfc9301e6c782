package dev.airlock.http;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A strict {@code application/x-www-form-urlencoded} body (RFC 6749 Appendix B): UTF-8 only, malformed percent
 * escapes refused, explicit limits on parameter count and sizes, and a parameter given twice refused unless it may
 * repeat (RFC 6749 §3.1 and §3.2: "parameters MUST NOT be included more than once"; RFC 8707 lets {@code resource}
 * repeat).
 */
public final class FormBody {
    public static final int MAX_PARAMS = 32;
    public static final int MAX_NAME = 64;
    public static final int MAX_VALUE = 8192;

    private final Map<String, List<String>> params;

    private FormBody(Map<String, List<String>> params) {
        this.params = params;
    }

    public static FormBody parse(String contentType, Buffer body, Set<String> repeatable) {
        requireFormType(contentType);
        Map<String, List<String>> out = new LinkedHashMap<>();
        String raw = body.toString(StandardCharsets.ISO_8859_1);
        if (raw.isEmpty()) return new FormBody(out);
        String[] pairs = raw.split("&", -1);
        if (pairs.length > MAX_PARAMS) throw new BadRequest("more than " + MAX_PARAMS + " form parameters");
        for (String pair : pairs) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), "parameter name");
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "parameter " + safeName(name));
            if (name.length() > MAX_NAME) throw new BadRequest("parameter name longer than " + MAX_NAME);
            if (value.length() > MAX_VALUE) {
                throw new BadRequest("parameter " + safeName(name) + " longer than " + MAX_VALUE + " characters");
            }
            List<String> values = out.computeIfAbsent(name, k -> new ArrayList<>(1));
            if (!values.isEmpty() && !repeatable.contains(name)) {
                throw new BadRequest("parameter " + safeName(name) + " given more than once");
            }
            values.add(value);
        }
        return new FormBody(out);
    }

    /** The single value, or null when absent. */
    public String get(String name) {
        List<String> v = params.get(name);
        return v == null ? null : v.get(0);
    }

    public List<String> all(String name) {
        return params.getOrDefault(name, List.of());
    }

    public String require(String name) {
        String v = get(name);
        if (v == null || v.isEmpty()) throw new BadRequest("missing parameter " + name);
        return v;
    }

    private static void requireFormType(String contentType) {
        if (contentType == null) throw new BadRequest(415, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
        // Limit -1: ";;;" splits into empty strings, not into an empty array (which answered 500).
        String[] parts = contentType.split(";", -1);
        if (!parts[0].trim().equalsIgnoreCase("application/x-www-form-urlencoded")) {
            throw new BadRequest(415, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim().toLowerCase(Locale.ROOT);
            if (p.startsWith("charset=") && !p.equals("charset=utf-8") && !p.equals("charset=\"utf-8\"")) {
                throw new BadRequest(415, "invalid_request", "form bodies must be UTF-8");
            }
        }
    }

    private static String decode(String s, String what) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%') {
                if (i + 2 >= s.length()) throw new BadRequest("malformed percent-encoding in " + what);
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) throw new BadRequest("malformed percent-encoding in " + what);
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new BadRequest(what + " is not valid UTF-8");
        }
    }

    /** Parameter names are echoed in errors; keep them short and printable. */
    static String safeName(String name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length() && sb.length() < 40; i++) {
            char c = name.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return "'" + sb + "'";
    }
}
