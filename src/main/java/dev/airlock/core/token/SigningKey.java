package dev.airlock.core.token;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.JWK;
import java.time.Instant;

/** One signing key: its public JWK (what the JWKS publishes), a signer and a verifier bound to one algorithm. */
public record SigningKey(String kid, JWSAlgorithm algorithm, JWK publicJwk, JWSSigner signer, JWSVerifier verifier,
                         Instant createdAt) {}
