package dev.airlock.testing;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;

/**
 * What a service in front of a provider would do: fetch Airlock's JWKS over HTTP and verify tokens with nimbus's own
 * processor (for Ed25519 that is Tink, not the BouncyCastle code Airlock signs with). Nothing of Airlock's is used.
 */
public final class IndependentVerifier {
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    public IndependentVerifier(String base, String expectedAudience) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(base + "/.well-known/jwks.json")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new AssertionError("JWKS answered " + r.statusCode());
        JWKSet jwks = JWKSet.parse(r.body());
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.ES256),
                new ImmutableJWKSet<>(jwks)));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(expectedAudience,
                new JWTClaimsSet.Builder().issuer(base).build(),
                Set.of("sub", "client_id", "env", "scope", "iat", "nbf", "exp", "jti")));
    }

    /** @throws Exception if the token does not verify: signature, typ, iss, aud, exp, or a required claim */
    public JWTClaimsSet verify(String token) throws Exception {
        return processor.process(token, null);
    }
}
