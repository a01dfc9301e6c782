package dev.airlock.core.proxy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One request as the agent sent it, after the proxy prefix {@code /proxy/<provider>} is removed and before
 * anything is decoded: the mapper must see the bytes the upstream will see, or an encoding trick that the
 * upstream decodes differently would get through.
 *
 * <p>Immutable: the body is copied in and never handed out.
 */
public final class ProxyRequest {
    private final String method;
    private final String rawPath;
    private final String rawQuery;
    private final Map<String, List<String>> headers;
    private final byte[] body;
    private final String contentType;

    /**
     * @param method      the request method exactly as received (case matters: RFC 9110 §9.1)
     * @param rawPath     the path below the provider prefix, still percent-encoded, e.g. {@code /v1/volumes/vol-1};
     *                    empty means {@code /}
     * @param rawQuery    the query string without {@code ?}, still encoded; null or empty for none
     * @param headers     every header, names in any case, values in order; repeated names may be given as one list
     * @param body        the body bytes; null for none
     * @param contentType the Content-Type; null to take it from {@code headers}
     */
    public ProxyRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
                        byte[] body, String contentType) {
        this.method = Objects.requireNonNull(method, "method");
        this.rawPath = rawPath == null ? "" : rawPath;
        this.rawQuery = rawQuery == null ? "" : rawQuery;
        // Header names are case-insensitive (RFC 9110 §5.1): "x-http-method-override" is the same header.
        Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                h.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .addAll(e.getValue() == null ? List.of() : e.getValue());
            }
        }
        h.replaceAll((k, v) -> List.copyOf(v));
        this.headers = Collections.unmodifiableMap(h);
        this.body = body == null ? new byte[0] : body.clone();
        List<String> types = this.headers.getOrDefault("content-type", List.of());
        this.contentType = contentType != null ? contentType : types.size() == 1 ? types.get(0) : null;
    }

    /** A request without body or headers, for GETs and tests. */
    public static ProxyRequest of(String method, String rawPath, String rawQuery) {
        return new ProxyRequest(method, rawPath, rawQuery, Map.of(), null, null);
    }

    public String method() {
        return method;
    }

    public String rawPath() {
        return rawPath;
    }

    public String rawQuery() {
        return rawQuery;
    }

    /** Headers by name, looked up case-insensitively. */
    public Map<String, List<String>> headers() {
        return headers;
    }

    public String contentType() {
        return contentType;
    }

    public int bodyLength() {
        return body.length;
    }

    /** The body itself, for the mappers in this package; not copied, not to be modified. */
    byte[] bodyBytes() {
        return body;
    }

    /** Every value of one header, however its name was spelled. */
    List<String> header(String name) {
        return headers.getOrDefault(name, List.of());
    }
}
