package dev.airlock.cli;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.auth.ClientAuthenticator;
import dev.airlock.core.crypto.Ed25519BcSigner;
import dev.airlock.core.crypto.Hashes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How an agent proves who it is, as {@code airlock token} takes it: a client id and a secret from a variable or a
 * file, or a private key for {@code private_key_jwt}. Never a secret as an argument (it would show in {@code ps}).
 */
final class AgentAuth {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Airlock base URL (default: ${DEFAULT-VALUE})")
    String url;

    @Option(names = "--client-id", required = true, description = "agent id")
    String clientId;

    @Option(names = "--secret-env", defaultValue = "AIRLOCK_CLIENT_SECRET",
            description = "variable holding the client secret (default: ${DEFAULT-VALUE})")
    String secretEnv;

    @Option(names = "--secret-file", description = "file holding the client secret")
    Path secretFile;

    @Option(names = "--key-file", description = "private JWK (Ed25519) for private_key_jwt instead of a secret")
    Path keyFile;

    /** Client authentication at the token endpoint: a Basic header, or RFC 7523 form fields (then header is null). */
    record TokenEndpointAuth(String header, Map<String, String> form) {}

    AirlockHttp http() {
        return new AirlockHttp(url);
    }

    /** A fresh authentication for one token-endpoint request (an assertion is single-use: its jti is remembered). */
    TokenEndpointAuth forTokenEndpoint() throws CliFailure {
        Map<String, String> form = new LinkedHashMap<>();
        if (keyFile == null) return new TokenEndpointAuth(AirlockHttp.basic(clientId, secret()), form);
        form.put("client_id", clientId);
        form.put("client_assertion_type", ClientAuthenticator.JWT_BEARER);
        form.put("client_assertion", assertion(read(keyFile), clientId, url.replaceAll("/+$", "")));
        return new TokenEndpointAuth(null, form);
    }

    /**
     * The {@code Authorization} header for {@code /v1/grants}: HTTP Basic with the secret; with a key, which cannot
     * sign a JSON request, the Bearer of an ordinary access token for {@code environment} obtained with it first.
     */
    String forApi(String environment) throws CliFailure {
        if (keyFile == null) return AirlockHttp.basic(clientId, secret());
        if (environment == null) {
            throw new CliFailure(2, "with --key-file, name with --env an environment where " + clientId
                    + " gets tokens: its access token authenticates this request");
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("environment", environment);
        form.putAll(forTokenEndpoint().form());
        AirlockHttp.Reply r = http().postForm("/oauth2/token", null, form);
        if (!r.ok()) throw new CliFailure(1, "cannot authenticate as " + clientId + ": " + r.explain());
        return "Bearer " + r.body().path("access_token").asText();
    }

    private String secret() throws CliFailure {
        String secret = secretFile != null ? read(secretFile).trim() : System.getenv(secretEnv);
        if (secret == null || secret.isEmpty()) {
            throw new CliFailure(2, "no client secret: set " + secretEnv + ", or use --secret-file or --key-file");
        }
        return secret;
    }

    private static String read(Path file) throws CliFailure {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new CliFailure(2, "cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * An RFC 7523 client assertion: iss = sub = client id, aud = the issuer, one minute of life, a fresh jti. The same
     * as {@code airlock token} builds.
     */
    static String assertion(String jwkJson, String clientId, String audience) throws CliFailure {
        try {
            OctetKeyPair key = OctetKeyPair.parse(jwkJson);
            Instant now = Instant.now();
            JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).audience(audience)
                    .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(60)))
                    .jwtID(Hashes.randomToken(new SecureRandom(), 16)).build();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(key.getKeyID()).build(), claims);
            jwt.sign(new Ed25519BcSigner(key.getDecodedD()));
            return jwt.serialize();
        } catch (ParseException | JOSEException | RuntimeException e) {
            throw new CliFailure(2, "--key-file is not a private Ed25519 JWK");
        }
    }
}
