package dev.airlock.bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.crypto.Ed25519BcSigner;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.stream.IntStream;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * Set-up steps of bench/run.sh that need Java:
 * <pre>
 *   policy DIR UPSTREAM_URL KEY_OUT       the generated policy, plus the load run's agents (bench-secret with a
 *                                         client secret, bench-jwt-00..15 with private_key_jwt and one key) and the
 *                                         proxy's provider; the bench-jwt private key is written to KEY_OUT
 *   assertions KEY AUDIENCE COUNT OUT [EXP_SECONDS]
 *                                         COUNT token request bodies, one per line, each with a fresh RFC 7523
 *                                         assertion (new jti: Airlock refuses a replayed one) from bench-jwt-00..15
 *                                         in turn, expiring EXP_SECONDS (default 540) after now
 * </pre>
 */
public final class LoadFixture {
    static final String AGENT_SCOPES = "[volume:read, volume:write, db:read]";
    static final String KID = "bench-jwt-1";
    /**
     * The private_key_jwt load is spread over this many agents (one key): Airlock remembers each used assertion id
     * until the assertion expires, and caps how many one client may have (AssertionLimits: 50,000), so one agent
     * minting thousands a second would, rightly, be told to slow down.
     */
    static final int JWT_CLIENTS = 16;

    static String jwtClient(int c) {
        return "bench-jwt-%02d".formatted(c);
    }

    private LoadFixture() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("policy")) {
            policy(Path.of(args[1]), args[2], Path.of(args[3]));
        } else if ((args.length == 5 || args.length == 6) && args[0].equals("assertions")) {
            assertions(Path.of(args[1]), args[2], Integer.parseInt(args[3]), Path.of(args[4]),
                    Duration.ofSeconds(args.length == 6 ? Long.parseLong(args[5]) : 540));
        } else {
            System.err.println("usage: policy DIR UPSTREAM_URL KEY_OUT | assertions KEY AUDIENCE COUNT OUT [EXP_SECONDS]");
            System.exit(2);
        }
    }

    static void policy(Path dir, String upstream, Path keyOut) throws IOException {
        Ed25519KeyPairGenerator gen = new Ed25519KeyPairGenerator();
        gen.init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        AsymmetricCipherKeyPair pair = gen.generateKeyPair();
        byte[] x = ((Ed25519PublicKeyParameters) pair.getPublic()).getEncoded();
        byte[] d = ((Ed25519PrivateKeyParameters) pair.getPrivate()).getEncoded();
        OctetKeyPair jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).d(Base64URL.encode(d))
                .keyID(KID).build();
        Files.writeString(keyOut, jwk.toJSONString());
        String secretAgent = """
                  - id: bench-secret
                    auth: client_secret_basic
                    environments:
                      staging:
                        scopes: %s
                """.formatted(AGENT_SCOPES);
        StringBuilder jwtAgents = new StringBuilder();
        for (int c = 0; c < JWT_CLIENTS; c++) {
            jwtAgents.append("""
                      - id: %s
                        auth: private_key_jwt
                        jwks:
                          keys:
                            - kty: OKP
                              crv: Ed25519
                              use: sig
                              kid: %s
                              x: %s
                        environments:
                          staging:
                            scopes: %s
                    """.formatted(jwtClient(c), KID, Base64URL.encode(x), AGENT_SCOPES));
        }
        String jwtAgent = jwtAgents.toString();
        PolicyGenerator.write(dir, 1000, 100, List.of(new PolicyGenerator.ExtraAgent(secretAgent),
                new PolicyGenerator.ExtraAgent(jwtAgent)), upstream);
    }

    static void assertions(Path keyFile, String audience, int count, Path out, Duration lifetime) throws Exception {
        OctetKeyPair jwk = OctetKeyPair.parse(Files.readString(keyFile));
        Ed25519BcSigner signer = new Ed25519BcSigner(jwk.getDecodedD());
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(KID).build();
        Instant now = Instant.now();
        // Airlock accepts an assertion whose exp is at most 10 minutes ahead; run.sh asks for just over the length
        // of the run that uses them, so that the ids Airlock must remember (until exp) stay under its total cap.
        Date iat = Date.from(now);
        Date exp = Date.from(now.plus(lifetime));
        String prefix = "grant_type=client_credentials&environment=staging&scope=volume%3Aread"
                + "&client_assertion_type=" + URLEncoder.encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                StandardCharsets.UTF_8) + "&client_assertion=";
        SecureRandom random = new SecureRandom();
        String[] lines = new String[count];
        IntStream.range(0, count).parallel().forEach(i -> {
            byte[] jti = new byte[16];
            random.nextBytes(jti);
            String client = jwtClient(i % JWT_CLIENTS);
            JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(client).subject(client).audience(audience)
                    .issueTime(iat).expirationTime(exp).jwtID(Base64.getUrlEncoder().withoutPadding().encodeToString(jti))
                    .build();
            SignedJWT jwt = new SignedJWT(header, claims);
            try {
                jwt.sign(signer);
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
            lines[i] = prefix + jwt.serialize();
        });
        try (BufferedWriter w = Files.newBufferedWriter(out)) {
            for (String line : lines) {
                w.write(line);
                w.newLine();
            }
        }
    }
}
