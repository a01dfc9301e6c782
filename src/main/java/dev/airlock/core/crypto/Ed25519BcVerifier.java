package dev.airlock.core.crypto;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.util.Set;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/** Ed25519 JWS verification through BouncyCastle. Refuses any header carrying {@code crit} (RFC 7515 §4.1.11). */
public final class Ed25519BcVerifier implements JWSVerifier {
    private static final Set<JWSAlgorithm> ALGS = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
    private final Ed25519PublicKeyParameters key;
    private final JCAContext jca = new JCAContext();

    public Ed25519BcVerifier(byte[] publicKey) {
        this.key = new Ed25519PublicKeyParameters(publicKey, 0);
    }

    @Override
    public boolean verify(JWSHeader header, byte[] signedContent, Base64URL signature) {
        if (!ALGS.contains(header.getAlgorithm()) || header.getCriticalParams() != null) return false;
        byte[] sig = signature.decode();
        if (sig.length != Ed25519PublicKeyParameters.KEY_SIZE * 2) return false;
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, key);
        verifier.update(signedContent, 0, signedContent.length);
        return verifier.verifySignature(sig);
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return ALGS;
    }

    @Override
    public JCAContext getJCAContext() {
        return jca;
    }
}
