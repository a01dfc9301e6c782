package dev.airlock.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.journal.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * The key that signs the audit log's checkpoints: Ed25519 (RFC 8032) through BouncyCastle, its own key rather than a
 * token signing key (a leaked token key must not be able to vouch for a rewritten history, and rotating token keys
 * must not orphan old checkpoints). The private half lives only sealed under the master key, as the signing keys do,
 * in {@code <data>/audit.key}; the public half is named by its RFC 7638 thumbprint (the "fingerprint" that
 * {@code serve} and {@code airlock audit verify} print, to be recorded elsewhere and pinned with
 * {@code --audit-key}), and travels in every checkpoint.
 */
public final class AuditKey {
    public static final String FILE = "audit.key";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Ed25519PrivateKeyParameters privateKey;
    private final String publicX;
    private final String fingerprint;
    private final boolean created;

    private AuditKey(Ed25519PrivateKeyParameters privateKey, boolean created) {
        this.privateKey = privateKey;
        this.created = created;
        byte[] x = privateKey.generatePublicKey().getEncoded();
        this.publicX = Base64URL.encode(x).toString();
        this.fingerprint = fingerprint(x);
    }

    /**
     * An audit key as a store holds it: the public half and its thumbprint in clear, the private half sealed under
     * the master key and bound to the thumbprint (a sealed key moved under another kid does not open).
     */
    public record Sealed(String kid, String x, Instant created, byte[] sealed) {
        public Sealed {
            sealed = sealed.clone();
        }

        @Override
        public byte[] sealed() {
            return sealed.clone();
        }
    }

    /** Loads {@code <data>/audit.key}, or makes and stores a new one if there is none. */
    public static AuditKey openOrCreate(Path dataDir, SecretBox box, Clock clock, SecureRandom random)
            throws IOException {
        Path file = dataDir.resolve(FILE);
        if (Files.exists(file)) return read(file, box);
        AuditKey key = generate(random);
        Sealed sealed = key.seal(box, clock.instant());
        ObjectNode o = JSON.createObjectNode();
        o.put("kid", sealed.kid()).put("x", sealed.x()).put("created", sealed.created().toString())
                .put("sealed", Base64.getEncoder().encodeToString(sealed.sealed()));
        // Temporary file, fsync, link: a crash or a full disk leaves no key or the whole key, never half of one.
        PrivateFiles.writeAtomically(file, JSON.writeValueAsBytes(o), false);
        return key;
    }

    /** A new key, not stored yet ({@link #created} true). */
    public static AuditKey generate(SecureRandom random) {
        return new AuditKey(new Ed25519PrivateKeyParameters(random), true);
    }

    /** The key sealed for a store. */
    public Sealed seal(SecretBox box, Instant now) {
        return new Sealed(fingerprint, publicX, now, box.seal(privateKey.getEncoded(), label(fingerprint)));
    }

    /** The data directory's key file as a store would hold it, or empty if there is none. */
    public static java.util.Optional<Sealed> sealedFile(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) return java.util.Optional.empty();
        JsonNode o = parse(file);
        try {
            return java.util.Optional.of(new Sealed(o.path("kid").asText(""), o.path("x").asText(""),
                    Instant.parse(o.path("created").asText()), Base64.getDecoder().decode(o.path("sealed").asText(""))));
        } catch (RuntimeException e) {
            throw new IOException(file + ": not a valid audit key file");
        }
    }

    private static AuditKey read(Path file, SecretBox box) throws IOException {
        JsonNode o = parse(file);
        byte[] sealed;
        try {
            sealed = Base64.getDecoder().decode(o.path("sealed").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": cannot unseal (wrong master key, or the file was altered)");
        }
        return unseal(new Sealed(o.path("kid").asText(""), o.path("x").asText(""), Instant.EPOCH, sealed), box,
                file.toString(), false);
    }

    private static JsonNode parse(Path file) throws IOException {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not a valid audit key file");
        }
    }

    /**
     * The usable key of a stored record; {@code where} names the record in errors.
     *
     * @param created whether the caller just stored it (then {@link #created} says so)
     */
    public static AuditKey unseal(Sealed stored, SecretBox box, String where, boolean created) throws IOException {
        String kid = stored.kid();
        byte[] seed;
        try {
            seed = box.open(stored.sealed(), label(kid));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(where + ": cannot unseal (wrong master key, or the file was altered)");
        }
        if (seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) throw new IOException(where + ": not an Ed25519 key");
        AuditKey key = new AuditKey(new Ed25519PrivateKeyParameters(seed, 0), created);
        Arrays.fill(seed, (byte) 0);
        if (!key.fingerprint.equals(kid) || !key.publicX.equals(stored.x())) {
            throw new IOException(where + ": its public key or kid does not match the sealed key (altered)");
        }
        return key;
    }

    /** Whether this open made the key (then it deserves an audit event of its own: a new key vouches from now on). */
    public boolean created() {
        return created;
    }

    /** RFC 7638 thumbprint of the Ed25519 public key: what an operator pins. */
    public String fingerprint() {
        return fingerprint;
    }

    /** The public key, base64url (the {@code x} of its OKP JWK, RFC 8037 §2). */
    public String publicKey() {
        return publicX;
    }

    String sign(byte[] message) {
        // A signer per call: BC's Ed25519Signer buffers its input and is not thread-safe; signing is once per
        // checkpoint, so the allocation does not matter.
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, privateKey);
        signer.update(message, 0, message.length);
        return Base64URL.encode(signer.generateSignature()).toString();
    }

    /** Whether {@code signature} (base64url) is {@code publicX}'s signature of {@code message}; never throws. */
    static boolean verify(String publicX, byte[] message, String signature) {
        try {
            byte[] x = new Base64URL(publicX).decode();
            byte[] sig = new Base64URL(signature).decode();
            if (x.length != Ed25519PublicKeyParameters.KEY_SIZE || sig.length != 64) return false;
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, new Ed25519PublicKeyParameters(x, 0));
            verifier.update(message, 0, message.length);
            return verifier.verifySignature(sig);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The thumbprint of a public key given as base64url, or null if it is not one. */
    static String fingerprint(String publicX) {
        try {
            byte[] x = new Base64URL(publicX).decode();
            return x.length == Ed25519PublicKeyParameters.KEY_SIZE ? fingerprint(x) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String fingerprint(byte[] x) {
        try {
            return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).build().computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    private static String label(String kid) {
        return "airlock-audit-key:" + kid;
    }
}
