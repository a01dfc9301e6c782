package dev.airlock.core.token;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import dev.airlock.core.crypto.Ed25519BcSigner;
import dev.airlock.core.crypto.Ed25519BcVerifier;
import dev.airlock.core.crypto.SecretBox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Airlock's signing keys. Private keys live only sealed (AES-256-GCM under the master key, bound to their kid) in
 * {@code <data>/keys/<kid>.json}; the kid is the RFC 7638 thumbprint of the public key. The newest key of the configured
 * algorithm signs; every key in the folder stays in the JWKS, so a token signed before a rotation still verifies
 * until it expires (tokens live at most 15 minutes, so a retired key can be deleted 15 minutes after rotation).
 */
public final class KeyRing {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** BouncyCastle's JCA provider, for ES256 keys only; built on first use, as building it is a visible part of start-up. */
    private static final class Bc {
        static final BouncyCastleProvider PROVIDER = new BouncyCastleProvider();
    }

    private final List<SigningKey> keys;
    private final Map<String, SigningKey> byKid = new ConcurrentHashMap<>();
    private final SigningKey active;

    private KeyRing(List<SigningKey> keys, SigningKey active) {
        this.keys = List.copyOf(keys);
        for (SigningKey k : keys) byKid.put(k.kid(), k);
        this.active = active;
    }

    /** Loads every sealed key in {@code <data>/keys}; generates and stores one of {@code algorithm} if there is none. */
    public static KeyRing open(Path dataDir, SecretBox box, JWSAlgorithm algorithm, Clock clock, SecureRandom random)
            throws IOException {
        Path dir = dataDir.resolve("keys");
        Files.createDirectories(dir);
        ownerOnly(dir, "rwx------");
        List<SigningKey> keys = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) keys.add(read(f, box));
        }
        Optional<SigningKey> newest = keys.stream().filter(k -> k.algorithm().equals(algorithm))
                .max(Comparator.comparing(SigningKey::createdAt));
        SigningKey active;
        if (newest.isPresent()) {
            active = newest.get();
        } else {
            active = generate(dir, box, algorithm, clock.instant(), random);
            keys.add(active);
        }
        return new KeyRing(keys, active);
    }

    public SigningKey active() {
        return active;
    }

    public Optional<SigningKey> byKid(String kid) {
        return Optional.ofNullable(byKid.get(kid));
    }

    public JWKSet publicJwks() {
        List<JWK> jwks = new ArrayList<>();
        for (SigningKey k : keys) jwks.add(k.publicJwk());
        return new JWKSet(jwks);
    }

    private static SigningKey generate(Path dir, SecretBox box, JWSAlgorithm alg, Instant now, SecureRandom random)
            throws IOException {
        JWK privateJwk;
        try {
            if (JWSAlgorithm.EdDSA.equals(alg)) {
                Ed25519KeyPairGenerator gen = new Ed25519KeyPairGenerator();
                gen.init(new Ed25519KeyGenerationParameters(random));
                AsymmetricCipherKeyPair pair = gen.generateKeyPair();
                byte[] x = ((Ed25519PublicKeyParameters) pair.getPublic()).getEncoded();
                byte[] d = ((Ed25519PrivateKeyParameters) pair.getPrivate()).getEncoded();
                OctetKeyPair pub = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).build();
                privateJwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).d(Base64URL.encode(d))
                        .keyID(pub.computeThumbprint().toString()).algorithm(alg).keyUse(KeyUse.SIGNATURE).build();
            } else if (JWSAlgorithm.ES256.equals(alg)) {
                ECKey tmp = new ECKeyGenerator(Curve.P_256).secureRandom(random).generate();
                privateJwk = new ECKey.Builder(tmp).keyID(tmp.computeThumbprint().toString()).algorithm(alg)
                        .keyUse(KeyUse.SIGNATURE).build();
            } else {
                throw new IllegalArgumentException("unsupported signing algorithm " + alg + " (EdDSA or ES256)");
            }
        } catch (JOSEException e) {
            throw new IllegalStateException("key generation failed", e);
        }
        String kid = privateJwk.getKeyID();
        ObjectNode file = JSON.createObjectNode();
        file.put("kid", kid);
        file.put("alg", alg.getName());
        file.put("created", now.toString());
        file.put("sealed", Base64.getEncoder().encodeToString(
                box.seal(privateJwk.toJSONString().getBytes(StandardCharsets.UTF_8), label(kid))));
        // Temporary file, fsync, link: a full disk or a crash leaves no key file, never an empty one that stops
        // every later start.
        dev.airlock.core.journal.PrivateFiles.writeAtomically(dir.resolve(kid + ".json"),
                JSON.writeValueAsBytes(file), false);
        return toSigningKey(privateJwk, alg, now);
    }

    private static SigningKey read(Path f, SecretBox box) throws IOException {
        try {
            var node = JSON.readTree(f.toFile());
            String kid = node.path("kid").asText();
            JWSAlgorithm alg = JWSAlgorithm.parse(node.path("alg").asText());
            byte[] plain = box.open(Base64.getDecoder().decode(node.path("sealed").asText()), label(kid));
            JWK jwk = JWK.parse(new String(plain, StandardCharsets.UTF_8));
            if (!kid.equals(jwk.getKeyID())) throw new IOException(f + ": kid does not match the sealed key");
            return toSigningKey(jwk, alg, Instant.parse(node.path("created").asText()));
        } catch (GeneralSecurityException e) {
            throw new IOException(f + ": cannot unseal (wrong master key, or the file was altered)");
        } catch (ParseException | RuntimeException e) {
            throw new IOException(f + ": not a valid key file: " + e.getMessage());
        }
    }

    private static SigningKey toSigningKey(JWK jwk, JWSAlgorithm alg, Instant created) {
        try {
            if (jwk instanceof OctetKeyPair okp) {
                return new SigningKey(jwk.getKeyID(), alg, okp.toPublicJWK(), new Ed25519BcSigner(okp.getDecodedD()),
                        new Ed25519BcVerifier(okp.getDecodedX()), created);
            }
            ECKey ec = (ECKey) jwk;
            ECDSASigner signer = new ECDSASigner(ec);
            // BouncyCastle's ECDSA is about twice the JDK's on this machine; used as a plain provider object,
            // never registered globally.
            signer.getJCAContext().setProvider(Bc.PROVIDER);
            ECDSAVerifier verifier = new ECDSAVerifier(ec.toPublicJWK());
            verifier.getJCAContext().setProvider(Bc.PROVIDER);
            return new SigningKey(jwk.getKeyID(), alg, ec.toPublicJWK(), signer, verifier, created);
        } catch (JOSEException e) {
            throw new IllegalStateException("unusable key " + jwk.getKeyID(), e);
        }
    }

    /** Sealed or not, key files are nobody else's business. No-op where the file system has no POSIX modes. */
    private static void ownerOnly(Path p, String mode) throws IOException {
        try {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException notPosix) {
            // Windows and friends: rely on the data directory's ACLs.
        }
    }

    private static String label(String kid) {
        return "airlock-signing-key:" + kid;
    }
}
