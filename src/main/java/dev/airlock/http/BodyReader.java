package dev.airlock.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * Collects a request body up to an explicit limit, and nothing else: no form or multipart decoding behind our back,
 * so every parsing rule lives in {@link FormBody} and {@link JsonBody}. Over the limit: 413, and the connection is
 * closed once the answer is written, since the rest of the body is not read.
 */
public final class BodyReader implements Handler<RoutingContext> {
    public static final String KEY = "airlock.body";
    private final int limit;

    public BodyReader(int limit) {
        this.limit = limit;
    }

    public static Buffer body(RoutingContext ctx) {
        Buffer b = ctx.get(KEY);
        return b == null ? Buffer.buffer() : b;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String declared = ctx.request().getHeader("Content-Length");
        if (declared != null) {
            long n;
            try {
                n = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                ctx.fail(new BadRequest("Content-Length is not a number"));
                return;
            }
            if (n > limit) {
                tooLarge(ctx);
                return;
            }
        }
        Buffer body = Buffer.buffer();
        boolean[] failed = {false};
        ctx.request().handler(chunk -> {
            if (failed[0]) return;
            if (body.length() + chunk.length() > limit) {
                failed[0] = true;
                tooLarge(ctx);
                return;
            }
            body.appendBuffer(chunk);
        });
        ctx.request().exceptionHandler(e -> {
            if (!failed[0]) {
                failed[0] = true;
                ctx.fail(new BadRequest("request body could not be read"));
            }
        });
        ctx.request().endHandler(v -> {
            if (failed[0]) return;
            ctx.put(KEY, body);
            ctx.next();
        });
        ctx.request().resume();
    }

    private void tooLarge(RoutingContext ctx) {
        ctx.response().putHeader("Connection", "close");
        ctx.fail(new BadRequest(413, "invalid_request", "request body larger than " + limit + " bytes"));
    }
}
