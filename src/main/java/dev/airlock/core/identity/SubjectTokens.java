package dev.airlock.core.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.TrustedIssuer;
import dev.airlock.core.token.OnBehalfOf;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

/**
 * Verifies a user's token from a trusted identity provider (the {@code subject_token} of RFC 8693 §2.1). In order:
 * a signed JWT (never {@code alg: none}); its {@code iss} exactly one of identity.yaml's issuers; no header that names
 * its own key ({@code jku}, {@code x5u}, {@code jwk}, {@code x5c}) or extension ({@code crit}); {@code alg} one the
 * issuer allows, all asymmetric (RFC 8725 §3.1, no HMAC with a public key); the key from the issuer's own
 * {@code jwks_uri}, of the type the algorithm needs; then {@code aud} contains the configured audience,
 * {@code exp}/{@code nbf}/{@code iat} against the clock with {@link #SKEW}, not older than {@code max_token_age}, and
 * a sane subject. Each refusal says what is wrong in terms that help the caller fix its request, no more: never
 * which key was tried or why parsing failed (those go to the audit log as {@code detail}).
 */
public final class SubjectTokens {
    public static final int MAX_LENGTH = 16 * 1024;
    public static final Duration SKEW = Duration.ofSeconds(30);
    /** RFC 7518 §3.3: RSA keys of at least 2048 bits. */
    static final int MIN_RSA_BITS = 2048;
    private static final Pattern SANE = Pattern.compile("[^\\p{Cntrl}]{1,255}");

    /** A verified subject token: the issuer's rules, the user, and the token's {@code may_act} (RFC 8693 §4.4) or null. */
    public record Subject(TrustedIssuer issuer, OnBehalfOf user, Map<String, Object> mayAct) {}

    /** A refusal: {@code description} for the client, {@code detail} for the audit log only. */
    public record Refused(String description, String detail) {}

    /** Exactly one of {@code subject} and {@code refused}. */
    public record Result(Subject subject, Refused refused) {
        static Result no(String description, String detail) {
            return new Result(null, new Refused(description, detail));
        }
    }

    /** The first step, before any key is fetched: which trusted issuer the token claims to come from. */
    public record Claimed(TrustedIssuer issuer, SignedJWT jwt, Refused refused) {}

    private final Policy policy;
    private final IssuerKeys keys;
    private final Clock clock;
    private final String airlockIssuer;

    public SubjectTokens(Policy policy, IssuerKeys keys, Clock clock, String airlockIssuer) {
        this.policy = policy;
        this.keys = keys;
        this.clock = clock;
        this.airlockIssuer = airlockIssuer;
    }

    /** Parses and finds the trusted issuer; nothing is verified yet, so nothing here may be trusted but the refusal. */
    public Claimed claimed(String token) {
        if (token.length() > MAX_LENGTH) return no("subject_token is longer than " + MAX_LENGTH + " characters", null);
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            return no("subject_token is not a JWT", e.getMessage());
        }
        if (jwt instanceof PlainJWT) return no("subject_token is unsigned (alg none); only signed tokens are accepted", null);
        if (!(jwt instanceof SignedJWT signed)) return no("subject_token must be a signed JWT (JWS), not encrypted", null);
        String iss;
        try {
            iss = signed.getJWTClaimsSet().getIssuer();
        } catch (ParseException e) {
            return no("subject_token's claims are not a JSON object", e.getMessage());
        }
        if (iss == null) return no("subject_token has no iss", null);
        if (iss.equals(airlockIssuer)) {
            // Chaining (an agent's delegated token as the subject of another exchange) is refused on purpose: it would
            // let an agent the user's identity provider never listed act for that user. An ordinary agent token as
            // subject would let one agent act as another. Either way: the user's own token, from their IdP.
            return no("an Airlock token cannot be a subject_token: present the user's token from a trusted identity"
                    + " provider", null);
        }
        TrustedIssuer t = policy.trustedIssuerByUrl(iss).orElse(null);
        if (t == null) return no("subject_token's issuer is not trusted by this Airlock (identity.yaml)", "iss " + iss);
        return new Claimed(t, signed, null);
    }

    private static Claimed no(String description, String detail) {
        return new Claimed(null, null, new Refused(description, detail));
    }

    /** Verifies {@code c} (from {@link #claimed}) in full. Never fails: an unreachable key set is a refusal. */
    public CompletableFuture<Result> verify(Claimed c) {
        TrustedIssuer t = c.issuer();
        JWSHeader h = c.jwt().getHeader();
        if (h.getJWKURL() != null || h.getX509CertURL() != null || h.getJWK() != null || h.getX509CertChain() != null) {
            return done(Result.no("subject_token names its own key (jku/x5u/jwk/x5c); keys come only from the"
                    + " issuer's configured jwks_uri", null));
        }
        if (h.getCriticalParams() != null) return done(Result.no("subject_token has critical header parameters", null));
        JWSAlgorithm alg = h.getAlgorithm();
        if (!t.algorithms().contains(alg)) {
            return done(Result.no("subject_token is signed with " + alg + ", which issuer " + t.id()
                    + " is not allowed to use (allowed: " + t.algorithms() + ")", null));
        }
        String kid = h.getKeyID();
        return keys.keys(t.jwksUri(), kid).handle((set, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                return Result.no("the keys of issuer " + t.id() + " could not be fetched, so subject_token cannot be"
                        + " verified; try again later", cause.getMessage());
            }
            return verified(t, c.jwt(), set, kid, alg);
        });
    }

    private Result verified(TrustedIssuer t, SignedJWT jwt, JWKSet set, String kid, JWSAlgorithm alg) {
        List<JWK> candidates = new ArrayList<>();
        for (JWK k : set.getKeys()) {
            if (kid != null && !kid.equals(k.getKeyID())) continue;
            if (k.getKeyUse() != null && !KeyUse.SIGNATURE.equals(k.getKeyUse())) continue;
            if (k.getAlgorithm() != null && !k.getAlgorithm().equals(alg)) continue;
            candidates.add(k);
        }
        // Without a kid, only an unambiguous set will do: trying every key would make the signature check a search.
        if (candidates.isEmpty() || (kid == null && candidates.size() > 1)) {
            return Result.no("subject_token's signing key is not among issuer " + t.id() + "'s keys", "kid " + kid);
        }
        try {
            if (!jwt.verify(verifier(candidates.get(0), alg))) {
                return Result.no("subject_token's signature does not verify", null);
            }
        } catch (JOSEException | IllegalStateException e) {
            return Result.no("subject_token's signature does not verify", e.getMessage());
        }
        try {
            return claims(t, jwt.getJWTClaimsSet());
        } catch (ParseException | ClassCastException e) {
            return Result.no("subject_token's claims are malformed", e.getMessage());
        }
    }

    /** The verifier for {@code alg}, only from a key of the family the algorithm needs (no algorithm confusion). */
    private static JWSVerifier verifier(JWK k, JWSAlgorithm alg) throws JOSEException {
        if (JWSAlgorithm.Family.RSA.contains(alg) && k instanceof RSAKey rsa) {
            if (rsa.size() < MIN_RSA_BITS) throw new JOSEException("RSA key shorter than " + MIN_RSA_BITS + " bits");
            return new RSASSAVerifier(rsa.toRSAPublicKey());
        }
        if (JWSAlgorithm.Family.EC.contains(alg) && k instanceof ECKey ec) {
            return new ECDSAVerifier(ec.toECPublicKey());
        }
        throw new JOSEException("key type " + k.getKeyType() + " does not fit " + alg);
    }

    private Result claims(TrustedIssuer t, JWTClaimsSet c) throws ParseException {
        Instant now = clock.instant();
        if (!t.issuer().equals(c.getIssuer())) return Result.no("subject_token's issuer is not trusted", null);
        List<String> aud = c.getAudience();
        if (aud == null || !aud.contains(t.audience())) {
            return Result.no("subject_token is not meant for this Airlock: its aud must contain " + t.audience(), null);
        }
        Date exp = c.getExpirationTime();
        Date iat = c.getIssueTime();
        if (exp == null || iat == null) return Result.no("subject_token must carry exp and iat", null);
        if (!now.minus(SKEW).isBefore(exp.toInstant())) return Result.no("subject_token is expired", null);
        Date nbf = c.getNotBeforeTime();
        if (nbf != null && now.plus(SKEW).isBefore(nbf.toInstant())) return Result.no("subject_token is not yet valid", null);
        if (now.plus(SKEW).isBefore(iat.toInstant())) return Result.no("subject_token is issued in the future", null);
        if (now.minus(t.maxTokenAge()).minus(SKEW).isAfter(iat.toInstant())) {
            return Result.no("subject_token is older than issuer " + t.id() + "'s max_token_age of "
                    + t.maxTokenAge().toMinutes() + " min; get a fresh one", null);
        }
        Object subject = c.getClaim(t.subjectClaim());
        if (!(subject instanceof String s) || !SANE.matcher(s).matches()) {
            return Result.no("subject_token's " + t.subjectClaim() + " must be a string of 1 to 255 characters", null);
        }
        String name = null;
        if (t.nameClaim() != null) {
            Object n = c.getClaim(t.nameClaim());
            if (n != null && !(n instanceof String ns && SANE.matcher(ns).matches())) {
                return Result.no("subject_token's " + t.nameClaim() + " must be a string of 1 to 255 characters", null);
            }
            name = (String) n;
        }
        Map<String, Object> mayAct = c.getJSONObjectClaim("may_act");
        return new Result(new Subject(t, new OnBehalfOf(t.id(), t.issuer(), s, name), mayAct), null);
    }

    private static CompletableFuture<Result> done(Result r) {
        return CompletableFuture.completedFuture(r);
    }
}
