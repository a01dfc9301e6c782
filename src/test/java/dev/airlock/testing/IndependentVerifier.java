package dev.airlock.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;

/**
 * What a service in front of a provider would do: fetch Airlock's JWKS over HTTP and verify tokens with nimbus's own
 * verifiers (for Ed25519 that is nimbus's Tink-based {@link Ed25519Verifier}, not the BouncyCastle code Airlock signs
 * with) and nimbus's {@link DefaultJWTClaimsVerifier}. Nothing of Airlock's is used.
 *
 * <p>Why not nimbus's {@code DefaultJWTProcessor}: its {@code JWSVerificationKeySelector} converts JWKs to
 * {@code java.security.Key}, which {@code OctetKeyPair} cannot do, so it finds no key for any EdDSA token (a known
 * nimbus limitation, also hit by Spring Security's NimbusJwtDecoder). The steps below are the ones it would take.
 */
public final class IndependentVerifier {
    /** RFC 9068 §2.1: the only {@code typ} a JWT access token verifier accepts. */
    public static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");
    private final JWKSet jwks;
    private final DefaultJWTClaimsVerifier<?> claims;
    /** Null: any typ, as a plain JWT library that ignores explicit typing (RFC 8725 §3.11) would. */
    private final JOSEObjectType type;

    public IndependentVerifier(String base, String expectedAudience) throws Exception {
        this(base, expectedAudience, java.time.Clock.systemUTC());
    }

    /**
     * Checks exp and nbf against {@code clock}: the time the server under test lives in (a test that moves the
     * server's clock forward, for TOTP steps, verifies its tokens at that time, like a service sharing that clock).
     */
    public IndependentVerifier(String base, String expectedAudience, java.time.Clock clock) throws Exception {
        this(base, expectedAudience, AT_JWT, clock);
    }

    /**
     * A verifier configured less strictly, the way many gateways are: {@code type} null accepts any {@code typ}
     * (a plain JWT library), {@code expectedAudience} null accepts any {@code aud} (a gateway that checks only the
     * issuer and the signature). Either way the signature, {@code iss}, {@code exp}, {@code nbf} and the RFC 9068
     * claims are still checked.
     */
    public IndependentVerifier(String base, String expectedAudience, JOSEObjectType type, java.time.Clock clock)
            throws Exception {
        this(fetchJwks(base), base, expectedAudience, type, clock);
    }

    /** With a JWKS the caller fetched (a caching gateway, {@link GatewayVerifier}). */
    public IndependentVerifier(JWKSet jwks, String base, String expectedAudience, JOSEObjectType type,
                               java.time.Clock clock) {
        this.type = type;
        this.jwks = jwks;
        this.claims = new DefaultJWTClaimsVerifier<>(expectedAudience, new JWTClaimsSet.Builder().issuer(base).build(),
                Set.of("sub", "client_id", "env", "scope", "iat", "nbf", "exp", "jti")) {
            @Override
            protected java.util.Date currentTime() {
                return java.util.Date.from(clock.instant());
            }
        };
    }

    private static JWKSet fetchJwks(String base) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(base + "/.well-known/jwks.json")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new AssertionError("JWKS answered " + r.statusCode());
        return JWKSet.parse(r.body());
    }

    /**
     * {@link #verify}, then what a resource server checks of a delegated token (RFC 8693 §4.1): {@code sub} is the
     * user, {@code act} names exactly the agent, which is also {@code client_id}.
     */
    public JWTClaimsSet verifyDelegated(String token, String user, String actor) throws Exception {
        JWTClaimsSet set = verify(token);
        if (!user.equals(set.getSubject())) throw new JOSEException("sub is " + set.getSubject() + ", not " + user);
        java.util.Map<String, Object> act = set.getJSONObjectClaim("act");
        if (act == null || act.size() != 1 || !actor.equals(act.get("sub"))) {
            throw new JOSEException("act is " + act + ", not {sub: " + actor + "}");
        }
        if (!actor.equals(set.getStringClaim("client_id"))) throw new JOSEException("client_id is not the actor");
        return set;
    }

    /** @throws Exception if the token does not verify: typ, kid, alg, signature, iss, aud, exp, nbf, a required claim */
    public JWTClaimsSet verify(String token) throws Exception {
        SignedJWT jwt = SignedJWT.parse(token);
        if (type != null && !type.equals(jwt.getHeader().getType())) throw new JOSEException("typ is not " + type);
        JWK key = jwks.getKeyByKeyId(jwt.getHeader().getKeyID());
        if (key == null) throw new JOSEException("no key " + jwt.getHeader().getKeyID() + " in the JWKS");
        if (key.getAlgorithm() != null && !key.getAlgorithm().equals(jwt.getHeader().getAlgorithm())) {
            throw new JOSEException("alg does not match the key's");
        }
        JWSVerifier verifier;
        if (key instanceof OctetKeyPair okp && JWSAlgorithm.EdDSA.equals(jwt.getHeader().getAlgorithm())) {
            verifier = new Ed25519Verifier(okp.toPublicJWK());
        } else if (key instanceof ECKey ec && JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
            verifier = new ECDSAVerifier(ec.toPublicJWK());
        } else {
            throw new JOSEException("unexpected key/alg " + key.getKeyType() + "/" + jwt.getHeader().getAlgorithm());
        }
        if (!jwt.verify(verifier)) throw new JOSEException("signature does not verify");
        JWTClaimsSet set = jwt.getJWTClaimsSet();
        claims.verify(set, null);
        return set;
    }
}
