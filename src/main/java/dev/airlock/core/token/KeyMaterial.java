package dev.airlock.core.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import dev.airlock.core.crypto.Ed25519BcSigner;
import dev.airlock.core.crypto.Ed25519BcVerifier;
import dev.airlock.core.crypto.SecretBox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Instant;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Making, sealing and unsealing one signing key. The private JWK exists in plain only in memory: it is sealed
 * (AES-256-GCM under the master key, bound to its kid so that files cannot be swapped) before it reaches a store.
 * The kid is the RFC 7638 thumbprint of the public key.
 */
final class KeyMaterial {
    private KeyMaterial() {}

    /** BouncyCastle's JCA provider, for ES256 keys only; built on first use, as building it is a visible part of start-up. */
    private static final class Bc {
        static final BouncyCastleProvider PROVIDER = new BouncyCastleProvider();
    }

    /** A new key of {@code alg}, sealed, published at {@code now}, allowed to sign from {@code activatesAt}. */
    static StoredKey generate(JWSAlgorithm alg, SecretBox box, SecureRandom random, Instant now, Instant activatesAt,
                              Instant activatedAt) {
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
        byte[] sealed = box.seal(privateJwk.toJSONString().getBytes(StandardCharsets.UTF_8), label(kid));
        return new StoredKey(kid, alg, now, activatesAt, activatedAt, sealed);
    }

    /** The usable key; fails if the master key is not the one it was sealed under, or the record was altered. */
    static SigningKey unseal(StoredKey stored, SecretBox box) throws IOException {
        try {
            byte[] plain = box.open(stored.sealed(), label(stored.kid()));
            JWK jwk = JWK.parse(new String(plain, StandardCharsets.UTF_8));
            if (!stored.kid().equals(jwk.getKeyID())) throw new IOException(stored.kid() + ": kid does not match the sealed key");
            return toSigningKey(jwk, stored.algorithm(), stored.publishedAt());
        } catch (GeneralSecurityException e) {
            throw new IOException("key " + stored.kid() + ": cannot unseal (wrong master key, or the file was altered)");
        } catch (ParseException | RuntimeException e) {
            throw new IOException("key " + stored.kid() + ": not a valid sealed key: " + e.getMessage());
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

    private static String label(String kid) {
        return "airlock-signing-key:" + kid;
    }
}
