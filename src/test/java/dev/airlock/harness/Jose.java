package dev.airlock.harness;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.DirectEncrypter;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import dev.airlock.core.crypto.Ed25519BcSigner;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * Forging JOSE objects byte by byte, for the attack suite. Library builders refuse most of what an attacker sends
 * (unknown {@code alg}, a {@code kid} that is a number, {@code crit} naming registered names), so headers and payloads
 * are written as JSON text here and only the signature comes from a key: the attacker's own, or, to reach the claim
 * checks behind the signature, the real key of the Airlock under test.
 */
public final class Jose {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private Jose() {}

    public static String b64(byte[] bytes) {
        return B64.encodeToString(bytes);
    }

    public static String b64(String text) {
        return b64(text.getBytes(UTF_8));
    }

    public static byte[] unb64(String part) {
        return Base64.getUrlDecoder().decode(part);
    }

    /** The three parts of a compact JWS. */
    public static String[] parts(String compact) {
        String[] p = compact.split("\\.", -1);
        if (p.length != 3) throw new IllegalArgumentException("not a compact JWS: " + p.length + " parts");
        return p;
    }

    public static ObjectNode header(String compact) {
        return json(new String(unb64(parts(compact)[0]), UTF_8));
    }

    public static ObjectNode payload(String compact) {
        return json(new String(unb64(parts(compact)[1]), UTF_8));
    }

    public static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    public static String text(JsonNode node) {
        return node.toString();
    }

    /** What a signature is made with: the signing input's bytes in, the raw signature out. */
    @FunctionalInterface
    public interface Signature {
        byte[] sign(byte[] signingInput) throws Exception;
    }

    /** {@code b64(header) . b64(payload) . b64(sig(b64(header) . b64(payload)))}; the JSON is taken as written. */
    public static String compact(String headerJson, String payloadJson, Signature sig) throws Exception {
        String input = b64(headerJson) + "." + b64(payloadJson);
        return input + "." + b64(sig.sign(input.getBytes(US_ASCII)));
    }

    /** As {@link #compact(String, String, Signature)} with the payload not base64url-encoded (RFC 7797 b64:false). */
    public static String unencodedPayload(String headerJson, String payload, Signature sig) throws Exception {
        byte[] h = b64(headerJson).getBytes(US_ASCII);
        byte[] p = payload.getBytes(UTF_8);
        byte[] input = new byte[h.length + 1 + p.length];
        System.arraycopy(h, 0, input, 0, h.length);
        input[h.length] = '.';
        System.arraycopy(p, 0, input, h.length + 1, p.length);
        // RFC 7797 §5: in compact form the payload part is empty ("detached") or the raw payload when it is safe.
        return b64(headerJson) + "." + payload + "." + b64(sig.sign(input));
    }

    // --- signatures ---

    /** Through a nimbus signer (ours or an attacker's), for {@code alg}: the header it is told is only a carrier. */
    public static Signature with(JWSSigner signer, JWSAlgorithm alg) {
        return in -> signer.sign(new JWSHeader(alg), in).decode();
    }

    /** HMAC with any key bytes, as an attacker would (nimbus's MACSigner refuses short keys, an attacker does not). */
    public static Signature hmac(String jcaName, byte[] key) {
        return in -> {
            Mac mac = Mac.getInstance(jcaName);
            // HMAC pads keys shorter than the block with zero bytes (RFC 2104 §2), so an empty key is 64 zero bytes.
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[64] : key, jcaName));
            return mac.doFinal(in);
        };
    }

    public static Signature none() {
        return in -> new byte[0];
    }

    // --- attacker keys ---

    public static final class Attacker {
        public final OctetKeyPair ed25519;
        public final ECKey ec;
        public final RSAKey rsa;
        private final SecureRandom random = new SecureRandom();

        public Attacker() throws Exception {
            byte[] seed = new byte[32];
            random.nextBytes(seed);
            byte[] x = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
            OctetKeyPair pub = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).build();
            this.ed25519 = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).d(Base64URL.encode(seed))
                    .keyID(pub.computeThumbprint().toString()).build();
            this.ec = new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();
            this.rsa = new RSAKeyGenerator(2048).keyIDFromThumbprint(true).generate();
        }

        public Signature eddsa() {
            return with(new Ed25519BcSigner(ed25519.getDecodedD()), JWSAlgorithm.EdDSA);
        }

        public Signature es256() throws Exception {
            return with(new ECDSASigner(ec), JWSAlgorithm.ES256);
        }

        public Signature rs256() throws Exception {
            return with(new RSASSASigner(rsa), JWSAlgorithm.RS256);
        }

        public Signature ps256() throws Exception {
            return with(new RSASSASigner(rsa), JWSAlgorithm.PS256);
        }

        /** JWE compact (RSA-OAEP-256, A256GCM) to the attacker's own RSA key, carrying {@code content}. */
        public String jweRsa(String content) throws Exception {
            JWEObject jwe = new JWEObject(new JWEHeader.Builder(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM)
                    .contentType("JWT").keyID("at").build(), new Payload(content));
            jwe.encrypt(new RSAEncrypter(rsa.toRSAPublicKey()));
            return jwe.serialize();
        }

        /** JWE compact with a direct (shared) key: four parts and an empty encrypted-key part. */
        public String jweDirect(String content) throws Exception {
            byte[] k = new byte[32];
            random.nextBytes(k);
            JWEObject jwe = new JWEObject(new JWEHeader.Builder(JWEAlgorithm.DIR, EncryptionMethod.A256GCM)
                    .contentType("JWT").build(), new Payload(content));
            jwe.encrypt(new DirectEncrypter(k));
            return jwe.serialize();
        }
    }

    /**
     * A real self-signed X.509 certificate and its EC private key, made by the JDK's own {@code keytool} (the JDK has
     * no public API for certificates and bcpkix is not a dependency): what an attacker puts in {@code x5c}.
     */
    public record Certificate(X509Certificate cert, PrivateKey key) {
        public static Certificate selfSigned(Path dir) throws Exception {
            Path store = dir.resolve("attacker-" + System.nanoTime() + ".p12");
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-sigalg", "SHA256withECDSA", "-alias", "attacker", "-dname", "CN=attacker", "-validity", "2",
                    "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "attacker", "-keypass", "attacker")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("keytool failed: " + out);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(store)) {
                ks.load(in, "attacker".toCharArray());
            }
            return new Certificate((X509Certificate) ks.getCertificate("attacker"),
                    (PrivateKey) ks.getKey("attacker", "attacker".toCharArray()));
        }

        /** The certificate as an {@code x5c} entry: standard base64 of the DER (RFC 7515 §4.1.6), not base64url. */
        public String x5c() throws Exception {
            return Base64.getEncoder().encodeToString(cert.getEncoded());
        }

        public Signature es256() throws Exception {
            return with(new ECDSASigner((java.security.interfaces.ECPrivateKey) key), JWSAlgorithm.ES256);
        }
    }

    // --- Ed25519 signature malleability ---

    /** The order of the Ed25519 base point, L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1). */
    private static final BigInteger ED25519_L = BigInteger.TWO.pow(252)
            .add(new BigInteger("27742317777372353535851937790883648493"));

    /**
     * The same signature with S replaced by S + L: equal modulo L, so a verifier that does not insist on S < L
     * (RFC 8032 §5.1.7 step 1) accepts a second spelling of one signature.
     */
    public static byte[] ed25519PlusL(byte[] sig) {
        byte[] s = new byte[32];
        for (int i = 0; i < 32; i++) s[i] = sig[63 - i]; // little-endian to big-endian
        BigInteger sPlusL = new BigInteger(1, s).add(ED25519_L);
        byte[] be = sPlusL.toByteArray();
        byte[] out = sig.clone();
        for (int i = 0; i < 32; i++) {
            int j = be.length - 1 - i;
            out[32 + i] = j >= 0 ? be[j] : 0;
        }
        return out;
    }
}
