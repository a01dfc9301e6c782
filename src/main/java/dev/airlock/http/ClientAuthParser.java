package dev.airlock.http;

import dev.airlock.core.auth.ClientCredentials;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Reads client credentials from a request: HTTP Basic (RFC 6749 §2.3.1) or a client assertion (RFC 7521 §4.2). */
final class ClientAuthParser {
    static final int MAX_CLIENT_ID = 128;
    static final int MAX_SECRET = 256;

    private ClientAuthParser() {}

    /** @throws BadRequest 401 invalid_client when no credentials are present, 400 when they are malformed or doubled */
    static ClientCredentials parse(RoutingContext ctx, FormBody form) {
        String authz = ctx.request().getHeader("Authorization");
        boolean basic = authz != null && authz.regionMatches(true, 0, "Basic ", 0, 6);
        boolean assertion = form.get("client_assertion") != null || form.get("client_assertion_type") != null;
        if (form.get("client_secret") != null) {
            throw new BadRequest(400, "invalid_request",
                    "client_secret in the body is not accepted; use HTTP Basic (client_secret_basic) or private_key_jwt");
        }
        if (basic && assertion) {
            // RFC 6749 §2.3: a client MUST NOT use more than one authentication method in a request.
            throw new BadRequest(400, "invalid_request", "use one client authentication method, not two");
        }
        if (authz != null && !basic) {
            throw new BadRequest(401, "invalid_client", "only HTTP Basic client authentication is accepted in Authorization");
        }
        if (basic) return basicHeader(authz);
        if (assertion) {
            String clientId = form.get("client_id");
            if (clientId != null && clientId.length() > MAX_CLIENT_ID) throw new BadRequest("client_id too long");
            return new ClientCredentials.Assertion(clientId, form.get("client_assertion_type"), form.get("client_assertion"));
        }
        throw new BadRequest(401, "invalid_client", "client authentication required (client_secret_basic or private_key_jwt)");
    }

    /** Decodes an {@code Authorization: Basic ...} header; 401 invalid_client when it is malformed. */
    static ClientCredentials basicHeader(String authz) {
        String b64 = authz.substring(6).trim();
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(401, "invalid_client", "malformed HTTP Basic credentials");
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new BadRequest(401, "invalid_client", "HTTP Basic credentials are not UTF-8");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) throw new BadRequest(401, "invalid_client", "malformed HTTP Basic credentials");
        String id;
        String secret;
        try {
            // §2.3.1: id and secret are form-urlencoded before being put into the Basic header.
            id = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
            secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(401, "invalid_client", "malformed HTTP Basic credentials");
        }
        if (id.length() > MAX_CLIENT_ID || secret.length() > MAX_SECRET) {
            throw new BadRequest(401, "invalid_client", "HTTP Basic credentials too long");
        }
        return new ClientCredentials.SecretBasic(id, secret);
    }
}
