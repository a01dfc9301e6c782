package dev.airlock.testing;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A second issuer for delegation tests: a user's identity provider, as small as it can be. It serves its JWKS on a
 * loopback port (bound to port 0, read back) with the JDK's HTTP server, and signs users' tokens with an RSA key
 * generated here, with nimbus. Nothing of Airlock's is used. It can be made to fail ({@link #down}) and counts fetches.
 */
public final class TestIdentityProvider implements AutoCloseable {
    public final String issuer;
    public final RSAKey key;
    private final HttpServer server;
    private volatile Clock clock;
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicBoolean down = new AtomicBoolean();

    private TestIdentityProvider(String issuer, RSAKey key, HttpServer server, Clock clock) {
        this.issuer = issuer;
        this.key = key;
        this.server = server;
        this.clock = clock;
    }

    /** @param issuer the {@code iss} its tokens carry; @param clock the time its tokens are issued at */
    public static TestIdentityProvider start(String issuer, Clock clock) throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("idp-" + UUID.randomUUID()).keyUse(KeyUse.SIGNATURE)
                .algorithm(JWSAlgorithm.RS256).generate();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        TestIdentityProvider idp = new TestIdentityProvider(issuer, key, server, clock);
        server.createContext("/jwks.json", ex -> {
            idp.fetches.incrementAndGet();
            byte[] body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            int status = idp.down.get() ? 503 : 200;
            ex.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return idp;
    }

    /** Issues on {@code c} from now on (the clock of the Airlock under test, started after this IdP). */
    public void useClock(Clock c) {
        this.clock = c;
    }

    public String jwksUri() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
    }

    public int fetches() {
        return fetches.get();
    }

    /** While down, the JWKS answers 503. */
    public void down(boolean isDown) {
        down.set(isDown);
    }

    /** A user's access token for {@code audience}: iss, sub, aud, iat now, exp in 5 minutes, then {@code edit}. */
    public String token(String subject, String audience, Consumer<JWTClaimsSet.Builder> edit) throws Exception {
        return sign(key, subject, audience, edit);
    }

    public String token(String subject, String audience) throws Exception {
        return token(subject, audience, b -> {});
    }

    /** The same token signed with another key under this IdP's kid: a forgery. */
    public String forged(String subject, String audience) throws Exception {
        RSAKey other = new RSAKeyGenerator(2048).keyID(key.getKeyID()).generate();
        return sign(other, subject, audience, b -> {});
    }

    private String sign(RSAKey with, String subject, String audience, Consumer<JWTClaimsSet.Builder> edit)
            throws Exception {
        Instant now = clock.instant();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(issuer).subject(subject).audience(audience)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
                .jwtID(UUID.randomUUID().toString());
        edit.accept(b);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(with.getKeyID()).build(), b.build());
        jwt.sign(new RSASSASigner(with));
        return jwt.serialize();
    }

    @Override
    public void close() throws IOException {
        server.stop(0);
    }
}
