package dev.airlock.core.ops;

import com.webauthn4j.WebAuthnManager;
import com.webauthn4j.converter.AttestedCredentialDataConverter;
import com.webauthn4j.converter.exception.DataConversionException;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.credential.CredentialRecordImpl;
import com.webauthn4j.data.AuthenticationData;
import com.webauthn4j.data.AuthenticationParameters;
import com.webauthn4j.data.AuthenticationRequest;
import com.webauthn4j.data.AuthenticatorTransport;
import com.webauthn4j.data.PublicKeyCredentialParameters;
import com.webauthn4j.data.PublicKeyCredentialType;
import com.webauthn4j.data.RegistrationData;
import com.webauthn4j.data.RegistrationParameters;
import com.webauthn4j.data.RegistrationRequest;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.authenticator.AuthenticatorData;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;
import com.webauthn4j.data.attestation.statement.NoneAttestationStatement;
import com.webauthn4j.data.client.Origin;
import com.webauthn4j.data.client.challenge.DefaultChallenge;
import com.webauthn4j.server.ServerProperty;
import com.webauthn4j.verifier.attestation.statement.none.NoneAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.packed.PackedAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.trustworthiness.certpath.NullCertPathTrustworthinessVerifier;
import com.webauthn4j.verifier.attestation.trustworthiness.self.DefaultSelfAttestationTrustworthinessVerifier;
import com.webauthn4j.verifier.exception.MaliciousCounterValueException;
import com.webauthn4j.verifier.exception.UserNotVerifiedException;
import com.webauthn4j.verifier.exception.VerificationException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The WebAuthn checks, all done by webauthn4j (no CBOR or COSE parsed here): origin, RP id hash, challenge, the UP and
 * UV flags, the signature, and the signature counter (WebAuthn §7.1 registration, §7.2 authentication).
 *
 * <p>The relying party is Airlock's issuer: RP id = its host, origin = its scheme, host and port. A browser refuses a
 * ceremony whose RP id is not a registrable suffix of the page's origin, and the library refuses client data from
 * another origin, so a page elsewhere (a phishing copy) cannot get an assertion Airlock accepts (§13.4.9).
 *
 * <p>Attestation: the page asks for {@code none}. We bind a passkey to the person's ops account, who enrolled it in a
 * signed-in session, not to a device model, so there is no list of trusted authenticators to check a chain against.
 * {@code none} and {@code packed} statements are accepted (packed self attestation is verified, a packed certificate
 * chain is not checked against any root, i.e. it counts for no more than {@code none}); other formats are refused.
 */
final class WebAuthn {
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_IN = Base64.getUrlDecoder();
    /** ES256, EdDSA, RS256: what platform authenticators and security keys offer (§5.3, COSE registry). */
    static final List<Long> ALGORITHMS = List.of(-7L, -8L, -257L);
    private static final List<PublicKeyCredentialParameters> PARAMETERS = List.of(
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.ES256),
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.EdDSA),
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.RS256));

    /** A ceremony the library refused; {@code code} is Airlock's refusal code, the message says what to do. */
    static final class Refused extends Exception {
        final String code;

        Refused(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /** A signature that verified except for its counter: the stored one is not below the presented one. */
    static final class CounterRegressed extends Exception {
        final long presented;

        CounterRegressed(long presented) {
            super("counter regressed", null, false, false);
            this.presented = presented;
        }
    }

    /** What an accepted assertion tells about the authenticator. */
    record Used(long signCount, boolean backedUp) {}

    private final ObjectConverter converter = new ObjectConverter();
    private final AttestedCredentialDataConverter credentials = new AttestedCredentialDataConverter(converter);
    private final WebAuthnManager manager = new WebAuthnManager(
            List.of(new NoneAttestationStatementVerifier(), new PackedAttestationStatementVerifier()),
            new NullCertPathTrustworthinessVerifier(), new DefaultSelfAttestationTrustworthinessVerifier(), converter);
    final String rpId;
    private final Origin origin;

    /** @param issuer Airlock's issuer URL ({@code serve --issuer}) */
    WebAuthn(String issuer) {
        URI u = URI.create(issuer);
        if (u.getHost() == null) throw new IllegalArgumentException("issuer has no host: " + issuer);
        this.rpId = u.getHost().toLowerCase(Locale.ROOT);
        String port = u.getPort() < 0 ? "" : ":" + u.getPort();
        this.origin = new Origin(u.getScheme().toLowerCase(Locale.ROOT) + "://" + rpId + port);
    }

    /** The challenge in a response's client data, as sent (so the caller can find which nonce it answers). */
    byte[] challengeOf(String clientDataJSON) throws Refused {
        try {
            var data = converter.getJsonMapper().readValue(new String(bytes(clientDataJSON),
                    java.nio.charset.StandardCharsets.UTF_8), com.webauthn4j.data.client.CollectedClientData.class);
            if (data == null || data.getChallenge() == null) throw new Refused("passkey_invalid", "client data has no challenge");
            return data.getChallenge().getValue();
        } catch (DataConversionException | IllegalArgumentException e) {
            throw new Refused("passkey_invalid", "client data is not WebAuthn client data JSON");
        }
    }

    /** §7.1: verifies a new credential, requiring user presence and verification, and returns it to be stored. */
    Passkey register(byte[] challenge, String clientDataJSON, String attestationObject, List<String> transports,
                     String label, Instant now) throws Refused {
        RegistrationRequest request = new RegistrationRequest(bytes(attestationObject), bytes(clientDataJSON),
                new HashSet<>(transports));
        RegistrationParameters parameters = new RegistrationParameters(
                new ServerProperty(origin, rpId, new DefaultChallenge(challenge)), PARAMETERS, true, true);
        RegistrationData data;
        try {
            data = manager.verify(request, parameters);
        } catch (UserNotVerifiedException e) {
            throw new Refused("user_not_verified", "the authenticator did not verify the user (PIN or biometric);"
                    + " Airlock only enrols passkeys with user verification");
        } catch (VerificationException | DataConversionException e) {
            throw new Refused("passkey_invalid", "the passkey's registration did not verify: " + reason(e));
        }
        AuthenticatorData<?> auth = data.getAttestationObject().getAuthenticatorData();
        AttestedCredentialData credential = auth.getAttestedCredentialData();
        List<String> kept = new ArrayList<>();
        for (String t : transports) if (t.matches("[a-z-]{1,16}") && kept.size() < 8) kept.add(t);
        return new Passkey(B64URL.encodeToString(credential.getCredentialId()),
                B64URL.encodeToString(credentials.convert(credential)), auth.getSignCount(), kept, auth.isFlagUV(),
                auth.isFlagBE(), auth.isFlagBS(), label, now, null);
    }

    /**
     * §7.2: verifies an assertion by {@code key} over {@code challenge}, with user presence and verification required,
     * and the counter rule of step 21 (the library's: refused unless the presented count exceeds the stored one, when
     * either is non-zero).
     */
    Used authenticate(Passkey key, byte[] challenge, String clientDataJSON, String authenticatorData, String signature,
                      String userHandle) throws Refused, CounterRegressed {
        byte[] id = bytes(key.id());
        AuthenticationRequest request = new AuthenticationRequest(id, userHandle == null ? null : bytes(userHandle),
                bytes(authenticatorData), bytes(clientDataJSON), bytes(signature));
        AttestedCredentialData credential = credentials.convert(bytes(key.credentialData()));
        Set<AuthenticatorTransport> transports = new HashSet<>();
        for (String t : key.transports()) transports.add(AuthenticatorTransport.create(t));
        CredentialRecordImpl record = new CredentialRecordImpl(new NoneAttestationStatement(), key.uvInitialized(),
                key.backupEligible(), key.backedUp(), key.signCount(), credential, null, null, null, transports);
        AuthenticationParameters parameters = new AuthenticationParameters(
                new ServerProperty(origin, rpId, new DefaultChallenge(challenge)), record, List.of(id), true, true);
        AuthenticationData data;
        try {
            data = manager.verify(request, parameters);
        } catch (MaliciousCounterValueException e) {
            throw new CounterRegressed(presentedCount(authenticatorData));
        } catch (UserNotVerifiedException e) {
            throw new Refused("user_not_verified", "the passkey did not verify the user (no PIN or biometric);"
                    + " an approval needs user verification: use an authenticator that asks for it");
        } catch (VerificationException | DataConversionException e) {
            throw new Refused("passkey_invalid", "the passkey's signature did not verify: " + reason(e));
        }
        return new Used(data.getAuthenticatorData().getSignCount(), data.getAuthenticatorData().isFlagBS());
    }

    private long presentedCount(String authenticatorData) {
        byte[] b = bytes(authenticatorData);
        // §6.1: rpIdHash (32 bytes), flags (1), signCount (4, big-endian): a fixed layout, no CBOR.
        if (b.length < 37) return -1;
        return ((b[33] & 0xffL) << 24) | ((b[34] & 0xffL) << 16) | ((b[35] & 0xffL) << 8) | (b[36] & 0xffL);
    }

    /** The library's exception class names the check that failed (BadOrigin, BadSignature, ...); nothing secret. */
    private static String reason(Exception e) {
        return e.getClass().getSimpleName().replaceAll("Exception$", "");
    }

    static byte[] bytes(String base64url) {
        try {
            return B64URL_IN.decode(base64url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not base64url");
        }
    }

    static String base64url(byte[] b) {
        return B64URL.encodeToString(b);
    }
}
