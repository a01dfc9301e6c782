package dev.airlock.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.journal.StorageUnavailable;
import dev.airlock.core.oauth.OAuthError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every response body is written here, and every error is mapped here: OAuth endpoints answer in RFC 6749 §5.2 form,
 * everything else in RFC 9457 problem details. Our own failures become a bare 500 with an incident id; the detail
 * goes to the log only (two error families: the caller's fault, ours).
 */
public final class Responses {
    private static final Logger LOG = Logger.getLogger(Responses.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private Responses() {}

    public static void json(RoutingContext ctx, int status, Object body) {
        HttpServerResponse r = ctx.response();
        if (r.ended()) return;
        r.setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store");
        r.end(Buffer.buffer(bytes(body)));
    }

    public static void oauthError(RoutingContext ctx, OAuthError e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.error());
        if (e.description() != null) body.put("error_description", e.description());
        body.putAll(e.extra());
        HttpServerResponse r = ctx.response();
        if (e.status() == 401) r.putHeader("WWW-Authenticate", "Basic realm=\"airlock\"");
        if (e.retryAfterSeconds() != null) r.putHeader("Retry-After", Long.toString(e.retryAfterSeconds()));
        r.putHeader("Pragma", "no-cache");
        json(ctx, e.status(), body);
    }

    public static void problem(RoutingContext ctx, int status, String title, String detail) {
        problem(ctx, status, title, detail, Map.of());
    }

    /** RFC 9457 problem details; {@code extra} members (e.g. a stable {@code code}) follow the standard ones. */
    public static void problem(RoutingContext ctx, int status, String title, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        if (detail != null) body.put("detail", detail);
        body.putAll(extra);
        HttpServerResponse r = ctx.response();
        if (r.ended()) return;
        r.setStatusCode(status).putHeader("Content-Type", "application/problem+json").putHeader("Cache-Control", "no-store");
        r.end(Buffer.buffer(bytes(body)));
    }

    /** The router's failure handler: the one place a thrown or failed request becomes a response. */
    public static void failure(RoutingContext ctx) {
        failure(ctx, ctx.statusCode());
    }

    /**
     * For {@code Router.errorHandler(status, ...)}: Vert.x Web calls it for requests it refuses before any route runs
     * (a path with malformed percent-encoding, {@code GET /%zz}) with no failure and no status code set (-1), so the
     * status it decided on comes from the registration; without it such a request answered 500.
     */
    static void failure(RoutingContext ctx, int routerStatus) {
        Throwable t = ctx.failure();
        boolean oauth = ctx.request().path() != null && ctx.request().path().startsWith("/oauth2/");
        Optional<StorageUnavailable> storage = StorageUnavailable.in(t);
        if (storage.isPresent()) {
            unavailable(ctx, storage.get().fault());
            return;
        }
        if (t instanceof BadRequest b) {
            if (oauth) oauthError(ctx, new OAuthError(b.status(), b.oauthError(), b.getMessage(), null, null));
            else problem(ctx, b.status(), title(b.status()), b.getMessage(), Map.of("code", b.oauthError()));
            return;
        }
        int status = ctx.statusCode() >= 0 ? ctx.statusCode() : routerStatus;
        // A 4xx the router decided on is the caller's fault even when it comes with an exception: Vert.x Web fails an
        // HTTP/1.1 request without a valid Host with (400, VertxException) before any route runs (RFC 9112 §3.2 says
        // 400), and that answered 500 (found by the hostile-input harness). The exception's text stays out of the body.
        if (status >= 400 && status < 500) {
            if (oauth) oauthError(ctx, new OAuthError(status, "invalid_request", title(status), null, null));
            else problem(ctx, status, title(status), null);
            return;
        }
        String incident = UUID.randomUUID().toString();
        RequestLogRecord.log(LOG, Level.SEVERE, "internal error " + incident + " on " + ctx.request().method() + " "
                + LogSafe.path(ctx.request().path()), t, ctx.request().method().name(), ctx.request().path(), 500,
                incident, null);
        if (oauth) {
            oauthError(ctx, new OAuthError(500, "server_error", "internal error; incident " + incident, null, null));
        } else {
            problem(ctx, 500, "Internal Server Error", "incident " + incident);
        }
    }

    /**
     * A storage fault: 503 with {@code Retry-After} (RFC 9110 §15.6.4, §10.2.3) in the endpoint's own error form
     * (RFC 6749 §5.2 {@code temporarily_unavailable} on {@code /oauth2/*}), naming the condition, never a stack trace;
     * nothing is logged per request ({@link StorageHealth} logged the fault once when it started).
     */
    static void unavailable(RoutingContext ctx, StorageHealth.Fault fault) {
        String detail = switch (fault.condition()) {
            case WRITE_FAILED -> "storage is not writable; nothing was changed; retry later";
            case UNREADABLE -> "the state journal or audit log has a line this server cannot read; refusing decisions"
                    + " until an operator repairs it";
        };
        boolean oauth = ctx.request().path() != null && ctx.request().path().startsWith("/oauth2/");
        if (oauth) {
            oauthError(ctx, new OAuthError(503, "temporarily_unavailable", detail, null,
                    StorageHealth.RETRY_AFTER_SECONDS));
        } else {
            ctx.response().putHeader("Retry-After", Long.toString(StorageHealth.RETRY_AFTER_SECONDS));
            problem(ctx, 503, "Service Unavailable", detail, Map.of("code", "storage_unavailable"));
        }
    }

    static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 429 -> "Too Many Requests";
            default -> "Error";
        };
    }

    static byte[] bytes(Object body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
