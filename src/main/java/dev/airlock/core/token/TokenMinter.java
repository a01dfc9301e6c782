package dev.airlock.core.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.crypto.Hashes;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Mints RFC 9068 JWT access tokens with the key ring's active key. */
public final class TokenMinter {
    /** RFC 9068 §2.1: the media type of JWT access tokens. */
    public static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");

    private final KeyRing keys;
    private final String issuer;
    private final Clock clock;
    private final SecureRandom random;
    private final JWSHeader header;

    public TokenMinter(KeyRing keys, String issuer, Clock clock, SecureRandom random) {
        this.keys = keys;
        this.issuer = issuer;
        this.clock = clock;
        this.random = random;
        SigningKey k = keys.active();
        this.header = new JWSHeader.Builder(k.algorithm()).type(AT_JWT).keyID(k.kid()).build();
    }

    public String issuer() {
        return issuer;
    }

    public record Minted(String jwt, AccessToken token) {}

    public Minted mint(String clientId, String environment, String audience, Set<String> scopes, Duration lifetime,
                       Map<String, Object> grant) {
        // JWT NumericDate is whole seconds (RFC 7519 §2); truncate so the claims we report equal the claims we sign.
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Instant exp = now.plus(lifetime);
        String jti = Hashes.randomToken(random, 16);
        String scope = String.join(" ", new TreeSet<>(scopes));
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(clientId)
                .audience(audience)
                .claim("client_id", clientId)
                .claim("env", environment)
                .claim("scope", scope)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(exp))
                .jwtID(jti);
        if (grant != null) claims.claim("grant", grant);
        SignedJWT jwt = new SignedJWT(header, claims.build());
        try {
            jwt.sign(keys.active().signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed", e);
        }
        return new Minted(jwt.serialize(),
                new AccessToken(jti, clientId, clientId, audience, environment, scopes, now, now, exp, grant));
    }
}
