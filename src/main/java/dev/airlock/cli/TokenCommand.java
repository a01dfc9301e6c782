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
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code airlock token}: what an agent runs to get a token. Prints the access token alone on standard output, so
 * {@code TOKEN=$(airlock token ...)} works; refusals go to standard error with Airlock's explanation.
 * The secret is never taken as an argument (it would show in {@code ps}): from a variable or a file.
 */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Request an access token for one environment.")
public final class TokenCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Airlock base URL (default: ${DEFAULT-VALUE})")
    String url;

    @Option(names = "--client-id", required = true, description = "agent id")
    String clientId;

    @Option(names = "--env", required = true, description = "environment the token is for")
    String environment;

    @Option(names = "--scope", description = "space-separated scopes (default: the agent's default scopes there)")
    String scope;

    @Option(names = "--secret-env", defaultValue = "AIRLOCK_CLIENT_SECRET",
            description = "variable holding the client secret (default: ${DEFAULT-VALUE})")
    String secretEnv;

    @Option(names = "--secret-file", description = "file holding the client secret")
    Path secretFile;

    @Option(names = "--key-file", description = "private JWK (Ed25519) for private_key_jwt instead of a secret")
    Path keyFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        var err = spec.commandLine().getErr();
        ServerClient client = new ServerClient(url);
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("environment", environment);
        form.put("scope", scope);
        String basic = null;
        if (keyFile != null) {
            form.put("client_id", clientId);
            form.put("client_assertion_type", ClientAuthenticator.JWT_BEARER);
            form.put("client_assertion", assertion(Files.readString(keyFile), url.replaceAll("/+$", "")));
        } else {
            String secret = secretFile != null ? Files.readString(secretFile).trim() : System.getenv(secretEnv);
            if (secret == null || secret.isEmpty()) {
                err.println("no client secret: set " + secretEnv + ", or use --secret-file or --key-file");
                return 2;
            }
            basic = ServerClient.basic(clientId, secret);
        }
        ServerClient.Reply r = client.postForm("/oauth2/token", form, basic);
        if (r.status() == 200) {
            spec.commandLine().getOut().println(r.body().path("access_token").asText());
            return 0;
        }
        err.println(r.body().path("error").asText("error") + ": " + r.body().path("error_description").asText());
        return 1;
    }

    /** An RFC 7523 client assertion: iss = sub = client id, aud = the issuer, one minute of life, a fresh jti. */
    private String assertion(String jwkJson, String audience) {
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
            throw new CommandLine.ParameterException(spec.commandLine(), "--key-file is not a private Ed25519 JWK");
        }
    }
}
