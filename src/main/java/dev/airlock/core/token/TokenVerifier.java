package dev.airlock.core.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies Airlock's own access tokens. Trust comes only from the key ring: the {@code kid} must name one of our keys
 * and the header's {@code alg} must be that key's algorithm (no algorithm confusion, RFC 8725 §3.1). Headers that
 * would let a token name its own key ({@code jku}, {@code x5u}, {@code jwk}, {@code x5c}) or extensions we do not
 * understand ({@code crit}) are refused outright rather than ignored.
 */
public final class TokenVerifier {
    /** Longer than any token we mint; stops a huge string from reaching the parser. */
    public static final int MAX_TOKEN_LENGTH = 8192;
    /** Tolerance for clocks of replicas that share keys. */
    private static final Duration SKEW = Duration.ofSeconds(5);

    private final KeyRing keys;
    private final String issuer;
    private final Clock clock;

    public TokenVerifier(KeyRing keys, String issuer, Clock clock) {
        this.keys = keys;
        this.issuer = issuer;
        this.clock = clock;
    }

    /** Why a token was not accepted. {@code code} is stable for machines, {@code reason} is for people. */
    public record Rejection(String code, String reason) {}

    /** Either {@code token} or {@code rejection} is set. */
    public record Result(AccessToken token, Rejection rejection) {
        public boolean ok() {
            return token != null;
        }

        static Result no(String code, String reason) {
            return new Result(null, new Rejection(code, reason));
        }
    }

    public Result verify(String jwt) {
        if (jwt == null || jwt.isEmpty()) return Result.no("missing", "no token");
        if (jwt.length() > MAX_TOKEN_LENGTH) return Result.no("malformed", "token longer than " + MAX_TOKEN_LENGTH);
        SignedJWT signed;
        try {
            signed = SignedJWT.parse(jwt);
        } catch (ParseException e) {
            return Result.no("malformed", "not a signed JWT");
        }
        JWSHeader h = signed.getHeader();
        if (h.getJWKURL() != null || h.getX509CertURL() != null || h.getJWK() != null || h.getX509CertChain() != null) {
            return Result.no("untrusted_key", "token names its own key (jku/x5u/jwk/x5c); only Airlock's keys are trusted");
        }
        if (h.getCriticalParams() != null) return Result.no("unsupported", "token has critical header parameters");
        if (!TokenMinter.AT_JWT.equals(h.getType())) return Result.no("wrong_type", "typ must be at+jwt (RFC 9068)");
        SigningKey key = h.getKeyID() == null ? null : keys.byKid(h.getKeyID()).orElse(null);
        if (key == null) return Result.no("unknown_key", "token was not signed by this Airlock");
        if (!key.algorithm().equals(h.getAlgorithm())) {
            return Result.no("wrong_algorithm", "alg " + h.getAlgorithm() + " does not match key " + key.kid());
        }
        try {
            if (!signed.verify(key.verifier())) return Result.no("bad_signature", "signature does not verify");
        } catch (JOSEException | IllegalStateException e) {
            return Result.no("bad_signature", "signature does not verify");
        }
        try {
            return claims(signed.getJWTClaimsSet());
        } catch (ParseException | ClassCastException e) {
            return Result.no("malformed", "claims are malformed");
        }
    }

    private Result claims(JWTClaimsSet c) throws ParseException {
        Instant now = clock.instant();
        if (!issuer.equals(c.getIssuer())) return Result.no("wrong_issuer", "token was issued by another issuer");
        Date exp = c.getExpirationTime();
        Date iat = c.getIssueTime();
        Date nbf = c.getNotBeforeTime();
        String jti = c.getJWTID();
        String env = c.getStringClaim("env");
        String clientId = c.getStringClaim("client_id");
        String scope = c.getStringClaim("scope");
        List<String> aud = c.getAudience();
        if (exp == null || iat == null || jti == null || env == null || clientId == null || scope == null
                || aud.size() != 1 || c.getSubject() == null) {
            return Result.no("malformed", "token lacks required claims");
        }
        if (!now.isBefore(exp.toInstant())) return Result.no("expired", "token expired at " + exp.toInstant());
        if (nbf != null && now.plus(SKEW).isBefore(nbf.toInstant())) {
            return Result.no("not_yet_valid", "token is not valid before " + nbf.toInstant());
        }
        Set<String> scopes = new LinkedHashSet<>(List.of(scope.split(" ")));
        scopes.remove("");
        Map<String, Object> grant = c.getJSONObjectClaim("grant");
        return new Result(new AccessToken(jti, c.getSubject(), clientId, aud.get(0), env, scopes, iat.toInstant(),
                nbf == null ? iat.toInstant() : nbf.toInstant(), exp.toInstant(), grant), null);
    }
}
