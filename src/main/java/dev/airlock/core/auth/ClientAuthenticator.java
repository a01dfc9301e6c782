package dev.airlock.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.crypto.Ed25519BcVerifier;
import dev.airlock.core.crypto.Hashes;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.AuthMethod;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.RefreshOnMiss;
import dev.airlock.core.store.Retention;
import dev.airlock.core.store.StateStore;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Authenticates agents: {@code client_secret_basic} (RFC 6749 §2.3.1) against the SHA-256 of a 256-bit secret, or
 * {@code private_key_jwt} (RFC 7523 §2.2, §3) against the public keys in the policy, with assertion replay refused.
 * Every failure is throttled and audited; the caller only ever learns "invalid client", the audit log learns why.
 * The one exception is a disabled agent ({@code airlock agent disable}), told so once its credentials verified.
 * An assertion the store cannot record because a cap on remembered ids is reached ({@link AssertionLimits}) is
 * refused too, audited but not throttled (its client proved who it is), and the caller is told to slow down.
 */
public final class ClientAuthenticator {
    public static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    /** An assertion may not be valid for longer than this: it bounds the replay cache too. */
    public static final Duration MAX_ASSERTION_LIFETIME = Duration.ofMinutes(10);
    public static final int MAX_ASSERTION_LENGTH = 8192;
    public static final int MAX_JTI_LENGTH = 256;
    private static final Duration SKEW = Duration.ofSeconds(30);
    /** Hashed when the client is unknown, so unknown and known clients cost the same. */
    private static final String DUMMY_HASH = Hashes.sha256Hex("airlock-no-such-client");

    private record KeyVerifier(JWK jwk, JWSAlgorithm alg, JWSVerifier verifier) {}

    private final Policy policy;
    private final StateStore store;
    private final AuditSink audit;
    private final FailureThrottle perClient;
    private final FailureThrottle perAddress;
    private final Clock clock;
    private final RefreshOnMiss fresh;
    private final List<String> acceptedAudiences;
    private final Map<String, List<KeyVerifier>> agentKeys = new HashMap<>();

    /**
     * @param fresh             a refused secret is checked again on a fresh read of the store, so that a secret
     *                          {@code airlock agent add} just issued works at once (issue 14)
     * @param acceptedAudiences values an assertion's {@code aud} may hold: the issuer and the token endpoint URL
     *                          (RFC 7523 §3 item 3)
     */
    public ClientAuthenticator(Policy policy, StateStore store, AuditSink audit, FailureThrottle perClient,
                               FailureThrottle perAddress, Clock clock, RefreshOnMiss fresh,
                               List<String> acceptedAudiences) {
        this.fresh = java.util.Objects.requireNonNull(fresh);
        this.policy = policy;
        this.store = store;
        this.audit = audit;
        this.perClient = perClient;
        this.perAddress = perAddress;
        this.clock = clock;
        this.acceptedAudiences = List.copyOf(acceptedAudiences);
        for (Agent a : policy.agents()) {
            if (a.auth() == AuthMethod.PRIVATE_KEY_JWT && a.publicKeys() != null) {
                agentKeys.put(a.id(), verifiers(a));
            }
        }
    }

    private record Check(Agent agent, String failure, String jti, Instant exp) {
        static Check fail(String why) {
            return new Check(null, why, null, null);
        }
    }

    /** A client assertion parsed once, unverified: {@code jwt} is null if it is absent, too long or not a JWS. */
    private record Parsed(SignedJWT jwt, JWTClaimsSet claims) {
        static final Parsed NONE = new Parsed(null, null);

        static Parsed of(ClientCredentials.Assertion a) {
            if (a.assertion() == null || a.assertion().length() > MAX_ASSERTION_LENGTH) return NONE;
            try {
                SignedJWT jwt = SignedJWT.parse(a.assertion());
                return new Parsed(jwt, jwt.getJWTClaimsSet());
            } catch (ParseException | RuntimeException e) {
                return NONE;
            }
        }

        /** For throttling and the audit log only, before anything is verified. */
        String unverifiedIssuer() {
            String iss = claims == null ? null : claims.getIssuer();
            return iss != null && iss.length() <= 128 ? iss : null;
        }
    }

    public CompletableFuture<AuthOutcome> authenticate(ClientCredentials credentials, String address) {
        String claimed = credentials.claimedClientId();
        Parsed parsed = null;
        if (claimed == null && credentials instanceof ClientCredentials.Assertion a) {
            parsed = Parsed.of(a);
            claimed = parsed.unverifiedIssuer();
        }
        String addrKey = "addr:" + address;
        String clientKey = "client:" + claimed + "@" + address;
        Optional<Duration> wait = longer(perClient.retryAfter(clientKey), perAddress.retryAfter(addrKey));
        if (wait.isPresent()) {
            return audited(claimed, address, "throttled", AuthOutcome.throttled(wait.get()));
        }
        Check check;
        if (credentials instanceof ClientCredentials.SecretBasic s) {
            check = secret(s);
            if (check.failure != null) return secretOnFreshRead(s, claimed, address, clientKey, addrKey);
        } else {
            var a = (ClientCredentials.Assertion) credentials;
            check = assertion(a, parsed != null ? parsed : Parsed.of(a));
        }
        if (check.failure != null) {
            failed(clientKey, addrKey);
            return audited(claimed, address, check.failure, AuthOutcome.refused("invalid client credentials"));
        }
        if (store.isAgentDisabled(check.agent.id())) return disabled(check.agent, address);
        if (check.jti == null) {
            perClient.success(clientKey);
            return CompletableFuture.completedFuture(AuthOutcome.ok(check.agent));
        }
        String clientId = check.agent.id();
        return store.recordAssertion(clientId, check.jti, check.exp).thenCompose(fresh -> {
            if (fresh) {
                perClient.success(clientKey);
                return CompletableFuture.completedFuture(AuthOutcome.ok(check.agent));
            }
            failed(clientKey, addrKey);
            return audited(clientId, address, "assertion jti already used (replay)",
                    AuthOutcome.refused("invalid client credentials"));
        }).exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (!(cause instanceof AssertionLimits.Reached full)) return CompletableFuture.failedFuture(e);
            // Not a failed attempt: the signature verified, so no one else can cause this refusal, and counting it
            // would lock the agent out for minutes after the cap frees a slot.
            long seconds = Math.max(1, full.retryAfter().toSeconds());
            return audited(clientId, address, "assertion not recorded: " + full.getMessage(), AuthOutcome.overLimit(
                    full.getMessage() + "; each assertion's jti is remembered until "
                            + Retention.TOLERATED_STEP.toMinutes() + " minutes past its exp to refuse replays"
                            + (full.total() ? "" : ", so shorter-lived assertions leave room for more")
                            + "; retry after " + seconds + " s", full.retryAfter()));
        });
    }

    /**
     * A refused secret may be one {@code agent add} wrote a moment ago, not yet read by this server: the same check
     * again, once the store has been refreshed (rate-limited in {@link RefreshOnMiss}). The refresh reads only what was
     * written to the store, so only a real write can change the answer. The failure is counted before the wait, not
     * after: guesses sent together would otherwise all pass the throttle while the first ones wait. A secret that
     * then matches takes back its per-client count; the per-address count keeps the one failure (of 50 free).
     * Every secret refusal waits alike, unknown clients included, so the wait tells nothing about which ids exist.
     */
    private CompletableFuture<AuthOutcome> secretOnFreshRead(ClientCredentials.SecretBasic s, String claimed,
                                                            String address, String clientKey, String addrKey) {
        failed(clientKey, addrKey);
        // A failed refresh leaves the store as it was: the check below then refuses as the first one did.
        return fresh.await().handle((v, e) -> secret(s)).thenCompose(again -> {
            if (again.failure == null) {
                if (store.isAgentDisabled(again.agent.id())) return disabled(again.agent, address);
                perClient.success(clientKey);
                return CompletableFuture.completedFuture(AuthOutcome.ok(again.agent));
            }
            return audited(claimed, address, again.failure, AuthOutcome.refused("invalid client credentials"));
        });
    }

    /**
     * A disabled agent ({@code airlock agent disable}) is refused only after its credentials verified, so the reason
     * is told to no one but the agent itself (it is its own credential; "invalid client" would send its operator
     * hunting for a wrong secret). Not a failed attempt: counting it would throttle the agent's address, and with it
     * other agents behind the same NAT, for an operator's decision. Assertions are refused before their jti is
     * recorded, so nothing is burnt.
     */
    private CompletableFuture<AuthOutcome> disabled(Agent agent, String address) {
        return audited(agent.id(), address, "agent disabled", AuthOutcome.refused("agent " + agent.id()
                + " is disabled by ops (airlock agent disable); ask them to run 'airlock agent enable " + agent.id()
                + "'"));
    }

    private void failed(String clientKey, String addrKey) {
        perClient.failure(clientKey);
        perAddress.failure(addrKey);
    }

    private static Optional<Duration> longer(Optional<Duration> a, Optional<Duration> b) {
        if (a.isEmpty()) return b;
        if (b.isEmpty()) return a;
        return a.get().compareTo(b.get()) >= 0 ? a : b;
    }

    /**
     * A client id the policy does not know is recorded as its SHA-256, as unknown ops names are: it is whatever the
     * caller typed, and callers type their secret there (id and secret swapped in HTTP Basic) or a colleague's name.
     * The hash still lets an operator count attempts per claimed id and check a guess.
     */
    private CompletableFuture<AuthOutcome> audited(String client, String address, String why, AuthOutcome outcome) {
        AuditEvent.Builder e = AuditEvent.of("client.auth_failed");
        if (client != null && policy.agent(client).isPresent()) e.with("client_id", client);
        else if (client != null) e.with("client_id_sha256", Hashes.sha256Hex(client));
        return audit.append(e.with("address", address).with("reason", why).build()).thenApply(v -> outcome);
    }

    private Check secret(ClientCredentials.SecretBasic s) {
        Agent agent = policy.agent(s.clientId()).orElse(null);
        Optional<String> stored = agent == null ? Optional.empty() : store.agentSecretHash(agent.id());
        String presented = Hashes.sha256Hex(s.secret());
        boolean match = Hashes.equalHex(presented, stored.orElse(DUMMY_HASH));
        if (agent == null) return Check.fail("unknown client");
        if (agent.auth() != AuthMethod.CLIENT_SECRET_BASIC) return Check.fail("client must use " + agent.auth().wireName());
        if (stored.isEmpty()) return Check.fail("no secret issued for this client (airlock agent add)");
        if (!match) return Check.fail("wrong client secret");
        return new Check(agent, null, null, null);
    }

    private Check assertion(ClientCredentials.Assertion a, Parsed parsed) {
        if (!JWT_BEARER.equals(a.assertionType())) return Check.fail("client_assertion_type must be " + JWT_BEARER);
        if (a.assertion() == null || a.assertion().length() > MAX_ASSERTION_LENGTH) return Check.fail("bad assertion size");
        if (parsed.jwt == null) return Check.fail("client_assertion is not a signed JWT");
        SignedJWT jwt = parsed.jwt;
        JWTClaimsSet claims = parsed.claims;
        String iss = claims.getIssuer();
        if (iss == null || !iss.equals(claims.getSubject())) return Check.fail("assertion iss and sub must be the client id");
        if (a.clientIdParam() != null && !a.clientIdParam().equals(iss)) return Check.fail("client_id differs from assertion iss");
        Agent agent = policy.agent(iss).orElse(null);
        if (agent == null) return Check.fail("unknown client");
        if (agent.auth() != AuthMethod.PRIVATE_KEY_JWT) return Check.fail("client must use " + agent.auth().wireName());
        JWSHeader h = jwt.getHeader();
        if (h.getJWKURL() != null || h.getJWK() != null || h.getX509CertURL() != null || h.getX509CertChain() != null
                || h.getCriticalParams() != null) {
            return Check.fail("assertion header names its own key or critical extensions");
        }
        if (!signatureValid(jwt, agentKeys.getOrDefault(agent.id(), List.of()))) {
            return Check.fail("assertion signature does not verify with the client's registered keys");
        }
        Instant now = clock.instant();
        if (claims.getAudience().stream().noneMatch(acceptedAudiences::contains)) {
            return Check.fail("assertion aud must be " + acceptedAudiences);
        }
        if (claims.getExpirationTime() == null) return Check.fail("assertion has no exp");
        Instant exp = claims.getExpirationTime().toInstant();
        if (!now.isBefore(exp)) return Check.fail("assertion expired");
        if (exp.isAfter(now.plus(MAX_ASSERTION_LIFETIME))) return Check.fail("assertion exp further than 10 minutes ahead");
        if (claims.getNotBeforeTime() != null && now.plus(SKEW).isBefore(claims.getNotBeforeTime().toInstant())) {
            return Check.fail("assertion not yet valid");
        }
        if (claims.getIssueTime() != null && claims.getIssueTime().toInstant().isAfter(now.plus(SKEW))) {
            return Check.fail("assertion issued in the future");
        }
        String jti = claims.getJWTID();
        if (jti == null || jti.isEmpty() || jti.length() > MAX_JTI_LENGTH) return Check.fail("assertion needs a jti");
        return new Check(agent, null, jti, exp);
    }

    private static boolean signatureValid(SignedJWT jwt, List<KeyVerifier> keys) {
        JWSHeader h = jwt.getHeader();
        for (KeyVerifier k : keys) {
            if (!k.alg.equals(h.getAlgorithm()) && !(k.alg.equals(JWSAlgorithm.EdDSA) && JWSAlgorithm.Ed25519.equals(h.getAlgorithm()))) {
                continue;
            }
            if (h.getKeyID() != null && !h.getKeyID().equals(k.jwk.getKeyID())) continue;
            try {
                if (jwt.verify(k.verifier)) return true;
            } catch (JOSEException | IllegalStateException e) {
                return false;
            }
        }
        return false;
    }

    private static List<KeyVerifier> verifiers(Agent a) {
        List<KeyVerifier> out = new ArrayList<>();
        for (JWK jwk : a.publicKeys().getKeys()) {
            try {
                if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
                    out.add(new KeyVerifier(jwk, JWSAlgorithm.EdDSA, new Ed25519BcVerifier(okp.getDecodedX())));
                } else if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve())) {
                    out.add(new KeyVerifier(jwk, JWSAlgorithm.ES256, new ECDSAVerifier(ec.toPublicJWK())));
                }
            } catch (JOSEException e) {
                throw new IllegalArgumentException("agent " + a.id() + ": unusable key " + jwk.getKeyID(), e);
            }
        }
        return out;
    }
}
