package dev.airlock.core.ops;

import com.webauthn4j.converter.AttestationObjectConverter;
import com.webauthn4j.converter.AuthenticatorDataConverter;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.data.attestation.AttestationObject;
import com.webauthn4j.data.attestation.authenticator.AAGUID;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.authenticator.AuthenticatorData;
import com.webauthn4j.data.attestation.authenticator.EC2COSEKey;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;
import com.webauthn4j.data.attestation.statement.NoneAttestationStatement;
import dev.airlock.core.crypto.Hashes;
import dev.airlock.core.grant.PasskeyFactor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * A WebAuthn authenticator in the test, for the core's own fast tests of {@link Passkeys}: a real P-256 key, real
 * ES256 signatures, and the CBOR of attestation objects and authenticator data written by webauthn4j's own converters
 * (nothing hand-encoded). The browser test does the same with Chromium's virtual authenticator.
 */
final class SoftwareAuthenticator {
    static final byte UP = AuthenticatorData.BIT_UP;
    static final byte UV = AuthenticatorData.BIT_UV;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final ObjectConverter converter = new ObjectConverter();
    private final KeyPair keys;
    final byte[] credentialId = new byte[32];
    /** What the browser reports as the page's origin in client data; a look-alike site reports its own. */
    String origin;
    final String rpId;
    long counter;

    SoftwareAuthenticator(String origin, String rpId) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        this.keys = g.generateKeyPair();
        new java.security.SecureRandom().nextBytes(credentialId);
        this.origin = origin;
        this.rpId = rpId;
    }

    String id() {
        return B64.encodeToString(credentialId);
    }

    /** navigator.credentials.create: attestation "none". */
    Passkeys.Attestation create(String challenge, byte flags) {
        AttestedCredentialData data = new AttestedCredentialData(AAGUID.ZERO, credentialId,
                EC2COSEKey.create((ECPublicKey) keys.getPublic(), COSEAlgorithmIdentifier.ES256));
        AuthenticatorData<com.webauthn4j.data.extension.authenticator.RegistrationExtensionAuthenticatorOutput> auth =
                new AuthenticatorData<>(rpIdHash(), (byte) (flags | AuthenticatorData.BIT_AT), counter, data);
        byte[] attestation = new AttestationObjectConverter(converter)
                .convertToBytes(new AttestationObject(auth, new NoneAttestationStatement()));
        return new Passkeys.Attestation(B64.encodeToString(clientData("webauthn.create", challenge)),
                B64.encodeToString(attestation), java.util.List.of("internal"), "software");
    }

    /** navigator.credentials.get: signs authenticatorData || SHA-256(clientDataJSON) with the next counter. */
    PasskeyFactor.Assertion get(String challenge, byte flags) throws Exception {
        counter++;
        byte[] auth = new AuthenticatorDataConverter(converter).convert(new AuthenticatorData<>(rpIdHash(), flags, counter));
        byte[] client = clientData("webauthn.get", challenge);
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        signed.writeBytes(auth);
        signed.writeBytes(Hashes.sha256(client));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(keys.getPrivate());
        s.update(signed.toByteArray());
        return new PasskeyFactor.Assertion(id(), B64.encodeToString(client), B64.encodeToString(auth),
                B64.encodeToString(s.sign()), null);
    }

    private byte[] clientData(String type, String challenge) {
        return ("{\"type\":\"" + type + "\",\"challenge\":\"" + challenge + "\",\"origin\":\"" + origin
                + "\",\"crossOrigin\":false}").getBytes(StandardCharsets.UTF_8);
    }

    private byte[] rpIdHash() {
        return Hashes.sha256(rpId.getBytes(StandardCharsets.UTF_8));
    }
}
