package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.StringJoiner;

/**
 * The HTTP calls of the grant commands: JSON and form bodies, an {@code Authorization} header, and answers read as JSON
 * whether they are results, RFC 9457 problems or RFC 6749 §5.2 errors. The header value is never part of any message.
 */
final class AirlockHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final String base;

    AirlockHttp(String base) {
        this.base = base.replaceAll("/+$", "");
    }

    /** An answer. {@code retryAfter} is the Retry-After header in seconds, when present. */
    record Reply(int status, JsonNode body, OptionalLong retryAfter) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The server's own words: {@code detail (code)} for a problem, {@code error: description} for OAuth. */
        String explain() {
            if (body.hasNonNull("error")) {
                String d = body.path("error_description").asText("");
                return GrantView.clean(body.path("error").asText()) + (d.isEmpty() ? "" : ": " + GrantView.clean(d));
            }
            String detail = body.path("detail").asText(body.path("title").asText("HTTP " + status));
            String code = body.path("code").asText("");
            return GrantView.clean(detail) + (code.isEmpty() ? "" : " (" + GrantView.clean(code) + ")");
        }
    }

    Reply get(String path, String authorization) throws CliFailure {
        return send(request(path, authorization).GET());
    }

    Reply delete(String path, String authorization) throws CliFailure {
        return send(request(path, authorization).DELETE());
    }

    Reply postJson(String path, String authorization, Object body) throws CliFailure {
        try {
            return send(request(path, authorization).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    Reply postForm(String path, String authorization, Map<String, String> form) throws CliFailure {
        StringJoiner body = new StringJoiner("&");
        form.forEach((k, v) -> {
            if (v != null) body.add(enc(k) + "=" + enc(v));
        });
        return send(request(path, authorization).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private HttpRequest.Builder request(String path, String authorization) throws CliFailure {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(base + path));
        } catch (IllegalArgumentException e) {
            throw new CliFailure(2, "not a usable URL: " + base);
        }
        b.timeout(Duration.ofSeconds(30)).header("Accept", "application/json");
        if (authorization != null) b.header("Authorization", authorization);
        return b;
    }

    private Reply send(HttpRequest.Builder request) throws CliFailure {
        HttpResponse<byte[]> r;
        try {
            r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new CliFailure(1, "cannot reach Airlock at " + base + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure(1, "interrupted");
        }
        JsonNode node;
        try {
            node = r.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            node = JSON.createObjectNode().put("detail", "HTTP " + r.statusCode() + " with a body that is not JSON"
                    + " (is " + base + " an Airlock server?)");
        }
        OptionalLong retry = OptionalLong.empty();
        String h = r.headers().firstValue("Retry-After").orElse(null);
        if (h != null && h.matches("\\d{1,6}")) retry = OptionalLong.of(Long.parseLong(h));
        return new Reply(r.statusCode(), node, retry);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A path segment: ids come from the command line and must not add path or query parts. */
    static String segment(String s) {
        return enc(s).replace("+", "%20");
    }

    static String basic(String id, String secret) {
        String pair = enc(id) + ":" + enc(secret);
        return "Basic " + java.util.Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }
}
