package dev.airlock.core.ops;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.crypto.Hashes;
import dev.airlock.core.grant.ApprovalChallenge;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.PasskeyFactor;
import dev.airlock.core.store.AuditedWrites;
import dev.airlock.core.store.KeyedTurns;
import dev.airlock.core.store.StateChange;
import dev.airlock.core.store.StateStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Approvers' passkeys (issue 16): enrolment (WebAuthn §7.1), removal, and the approval ceremony (§7.2) whose challenge
 * binds one grant's terms ({@link ApprovalChallenge}). Every nonce is 32 random bytes, issued to one ops session for
 * one ceremony, stored with the account, valid {@link #CEREMONY}, and consumed by the compare-and-set save that
 * accepts it, so it is used once even across replicas. Every change is an audited write of the {@link OpsAccount}
 * ({@code passkey.challenge_issued}, {@code passkey.enrolled}, {@code passkey.removed}, {@code passkey.used},
 * {@code passkey.counter_regressed}); every refusal is audited ({@code passkey.refused}).
 *
 * <p>The counter update of an approval is written with {@code passkey.used} before the grant's approval, in its own
 * write (as an accepted TOTP step is): the account and the grant are two records, and the first write is the one that
 * makes the assertion unusable again. If the approval's write then fails, the approver asks for a new challenge; an
 * assertion is never accepted twice.
 */
public final class Passkeys implements PasskeyFactor {
    /** How long a ceremony may take, from the server's challenge to the browser's answer. */
    public static final Duration CEREMONY = Duration.ofMinutes(5);
    static final int NONCE_BYTES = 32;
    static final int SAVE_ATTEMPTS = 3;

    /** What the page passes to {@code navigator.credentials.create}. */
    public record CreationOptions(String challenge, String rpId, String userId, String userName, List<Passkey> exclude,
                                  List<Long> algorithms, long timeoutMillis) {}

    /** What the page passes to {@code navigator.credentials.get}. */
    public record RequestOptions(String challenge, String rpId, List<Passkey> allow, long timeoutMillis) {}

    /** A new credential as the browser returned it (base64url fields). */
    public record Attestation(String clientDataJSON, String attestationObject, List<String> transports, String label) {}

    /** The outcome of a ceremony step: a value, or a refusal with a code and what to do. */
    public sealed interface Outcome<T> {
        record Ok<T>(T value) implements Outcome<T> {}

        record Refused<T>(int status, String code, String message) implements Outcome<T> {}
    }

    private final StateStore store;
    private final AuditSink audit;
    private final AuditedWrites writes;
    private final Clock clock;
    private final SecureRandom random;
    private final WebAuthn webauthn;
    private final KeyedTurns turns = new KeyedTurns();

    public Passkeys(StateStore store, AuditSink audit, Clock clock, SecureRandom random, String issuer) {
        this.store = store;
        this.audit = audit;
        this.writes = store.audited(audit);
        this.clock = clock;
        this.random = random;
        this.webauthn = new WebAuthn(issuer);
    }

    public String rpId() {
        return webauthn.rpId;
    }

    public List<Passkey> list(String name) {
        return OpsAccounts.account(store, name).map(OpsAccount::passkeys).orElse(List.of());
    }

    // --- Enrolment ---------------------------------------------------------------------------------------------

    public CompletableFuture<Outcome<CreationOptions>> beginEnrolment(String name, String session) {
        return turns.run(name, () -> issue(name, session, null, a -> {
            if (a.passkeys().size() >= Passkey.MAX_PER_ACCOUNT) {
                return refused(409, "passkeys_full", "an account holds at most " + Passkey.MAX_PER_ACCOUNT
                        + " passkeys; remove one first");
            }
            return null;
        }, (a, nonce) -> new CreationOptions(WebAuthn.base64url(nonce), webauthn.rpId, userId(a.name()), a.name(),
                a.passkeys(), WebAuthn.ALGORITHMS, CEREMONY.toMillis())));
    }

    public CompletableFuture<Outcome<Passkey>> finishEnrolment(String name, String session, Attestation att) {
        String label = att.label() == null || att.label().isBlank() ? "passkey" : att.label().strip();
        if (label.length() > Passkey.MAX_LABEL || label.chars().anyMatch(Character::isISOControl)) {
            return done(refused(400, "label", "a passkey's label is up to " + Passkey.MAX_LABEL + " characters of text"));
        }
        return turns.run(name, () -> finishEnrolment(name, session, att, label, 0));
    }

    private CompletableFuture<Outcome<Passkey>> finishEnrolment(String name, String session, Attestation att,
                                                               String label, int attempt) {
        if (attempt >= SAVE_ATTEMPTS) return OpsAccounts.tooManyRaces(name, SAVE_ATTEMPTS);
        Instant now = clock.instant();
        OpsAccount a = enabled(name);
        if (a == null) return done(refused(401, "signin_required", "sign in again"));
        Passkey key;
        PasskeyChallenge used;
        try {
            byte[] challenge = webauthn.challengeOf(att.clientDataJSON());
            used = match(a, session, PasskeyChallenge.Purpose.ENROL, null, now, challenge, n -> n);
            if (used == null) throw new WebAuthn.Refused("challenge_unknown", "this enrolment's challenge is unknown,"
                    + " expired (" + CEREMONY.toMinutes() + " min), used, or another session's; start again");
            key = webauthn.register(WebAuthn.bytes(used.nonce()), att.clientDataJSON(), att.attestationObject(),
                    att.transports() == null ? List.of() : att.transports(), label, now);
        } catch (WebAuthn.Refused r) {
            return refusal(name, "enrol", null, null, r.code, r.getMessage());
        } catch (IllegalArgumentException e) {
            return refusal(name, "enrol", null, null, "passkey_invalid", "the browser's answer is malformed");
        }
        String id = key.id();
        if (store.opsAccounts().stream().anyMatch(o -> o.passkey(id).isPresent())) {
            return refusal(name, "enrol", null, id, "passkey_exists", "this passkey is already enrolled");
        }
        if (a.passkeys().size() >= Passkey.MAX_PER_ACCOUNT) {
            return refusal(name, "enrol", null, id, "passkeys_full", "an account holds at most "
                    + Passkey.MAX_PER_ACCOUNT + " passkeys; remove one first");
        }
        List<Passkey> keys = new ArrayList<>(a.passkeys());
        keys.add(key);
        OpsAccount next = a.withPasskeys(keys, without(a, used, now));
        AuditEvent e = AuditEvent.of("passkey.enrolled").with("name", name).with("credential", id)
                .with("label", label).with("user_verified", key.uvInitialized())
                .with("transports", String.join(",", key.transports())).build();
        return write(next, e, new Outcome.Ok<>(key), () -> finishEnrolment(name, session, att, label, attempt + 1));
    }

    /** Removes one of the signed-in person's own passkeys. */
    public CompletableFuture<Outcome<Void>> remove(String name, String credentialId) {
        return turns.run(name, () -> remove(name, credentialId, 0));
    }

    private CompletableFuture<Outcome<Void>> remove(String name, String id, int attempt) {
        if (attempt >= SAVE_ATTEMPTS) return OpsAccounts.tooManyRaces(name, SAVE_ATTEMPTS);
        OpsAccount a = enabled(name);
        if (a == null) return done(refused(401, "signin_required", "sign in again"));
        if (a.passkey(id).isEmpty()) return done(refused(404, "passkey_unknown", "no such passkey on your account"));
        List<Passkey> keys = new ArrayList<>(a.passkeys());
        keys.removeIf(p -> p.id().equals(id));
        OpsAccount next = a.withPasskeys(keys, a.challenges());
        AuditEvent e = AuditEvent.of("passkey.removed").with("name", name).with("credential", id)
                .with("reason", "by_owner").build();
        return write(next, e, new Outcome.Ok<Void>(null), () -> remove(name, id, attempt + 1));
    }

    // --- Approval -----------------------------------------------------------------------------------------------

    /** A nonce for approving {@code g}, and the challenge derived from it and the grant's terms. */
    public CompletableFuture<Outcome<RequestOptions>> beginApproval(String name, String session, Grant g) {
        return turns.run(name, () -> issue(name, session, g.id(), a -> a.passkeys().isEmpty()
                ? refused(409, "passkey_not_enrolled", "you have no passkey: add one under Passkeys on the ops page,"
                        + " then approve with it") : null,
                (a, nonce) -> new RequestOptions(WebAuthn.base64url(ApprovalChallenge.of(nonce, g)), webauthn.rpId,
                        a.passkeys(), CEREMONY.toMillis())));
    }

    /**
     * Verifies an approval's assertion against the grant as stored: the challenge is recomputed from a live nonce this
     * session holds for this grant, so an assertion made for another grant, or over other terms, matches none.
     */
    public CompletableFuture<Outcome<Passkey>> verifyApproval(String name, String session, Grant g, Assertion as) {
        return turns.run(name, () -> verify(name, session, g, as, 0));
    }

    @Override
    public CompletableFuture<Verdict> verify(String approver, String session, Grant g, Assertion assertion) {
        return verifyApproval(approver, session, g, assertion).thenApply(o -> o instanceof Outcome.Refused<Passkey> r
                ? new Verdict(r.status(), r.code(), r.message()) : Verdict.OK);
    }

    private CompletableFuture<Outcome<Passkey>> verify(String name, String session, Grant g, Assertion as, int attempt) {
        if (attempt >= SAVE_ATTEMPTS) return OpsAccounts.tooManyRaces(name, SAVE_ATTEMPTS);
        Instant now = clock.instant();
        OpsAccount a = enabled(name);
        if (a == null) return done(refused(401, "signin_required", "sign in again"));
        Passkey key = as.credentialId() == null ? null : a.passkey(as.credentialId()).orElse(null);
        if (key == null) {
            return refusal(name, "approve", g.id(), as.credentialId(), "passkey_unknown",
                    "this passkey is not enrolled on your account");
        }
        PasskeyChallenge used;
        WebAuthn.Used result;
        try {
            byte[] signed = webauthn.challengeOf(as.clientDataJSON());
            used = match(a, session, PasskeyChallenge.Purpose.APPROVE, g.id(), now, signed,
                    nonce -> ApprovalChallenge.of(nonce, g));
            if (used == null) {
                throw new WebAuthn.Refused("challenge_mismatch", "this passkey signature was not made for this grant"
                        + " as it stands, in this session, within " + CEREMONY.toMinutes() + " min, or it was used"
                        + " already; approve again to sign a new challenge");
            }
            result = webauthn.authenticate(key, signed, as.clientDataJSON(), as.authenticatorData(), as.signature(),
                    as.userHandle());
        } catch (WebAuthn.Refused r) {
            return refusal(name, "approve", g.id(), key.id(), r.code, r.getMessage());
        } catch (IllegalArgumentException e) {
            return refusal(name, "approve", g.id(), key.id(), "passkey_invalid", "the browser's answer is malformed");
        } catch (WebAuthn.CounterRegressed c) {
            return regressed(a, key, g, c.presented, attempt, () -> verify(name, session, g, as, attempt + 1));
        }
        List<Passkey> keys = new ArrayList<>();
        for (Passkey p : a.passkeys()) keys.add(p.id().equals(key.id()) ? p.used(result.signCount(), result.backedUp(), now) : p);
        OpsAccount next = a.withPasskeys(keys, without(a, used, now));
        AuditEvent e = AuditEvent.of("passkey.used").with("name", name).with("credential", key.id())
                .with("grant_id", g.id()).with("sign_count", result.signCount()).build();
        return write(next, e, new Outcome.Ok<>(key), () -> verify(name, session, g, as, attempt + 1));
    }

    /**
     * WebAuthn §6.1.1 / §7.2 step 21: a valid signature whose counter did not increase means the credential may have
     * been cloned. The assertion is refused and the credential removed from the account in the same audited write
     * (fail closed: the clone and the original cannot be told apart, and the person still has their other factors and
     * can enrol again).
     */
    private CompletableFuture<Outcome<Passkey>> regressed(OpsAccount a, Passkey key, Grant g, long presented,
                                                         int attempt, java.util.function.Supplier<CompletableFuture<Outcome<Passkey>>> again) {
        List<Passkey> keys = new ArrayList<>(a.passkeys());
        keys.removeIf(p -> p.id().equals(key.id()));
        String message = "this passkey's signature counter went backwards (stored " + key.signCount() + ", presented "
                + presented + "): it may have been cloned, so it was removed from your account; enrol it again"
                + " and tell your security team";
        AuditEvent e = AuditEvent.of("passkey.counter_regressed").with("name", a.name()).with("credential", key.id())
                .with("grant_id", g.id()).with("stored", key.signCount()).with("presented", presented)
                .with("removed", true).build();
        return write(a.withPasskeys(keys, a.challenges()), e, refused(403, "counter_regressed", message), again);
    }

    // --- Helpers ------------------------------------------------------------------------------------------------

    /** A check of the account before a nonce is issued: a refusal, or null to go on. */
    @FunctionalInterface
    private interface Precheck<T> extends Function<OpsAccount, Outcome<T>> {}

    private <T> CompletableFuture<Outcome<T>> issue(String name, String session, String grantId, Precheck<T> check,
                                                    java.util.function.BiFunction<OpsAccount, byte[], T> options) {
        return issue(name, session, grantId, check, options, 0);
    }

    private <T> CompletableFuture<Outcome<T>> issue(String name, String session, String grantId, Precheck<T> check,
                                                    java.util.function.BiFunction<OpsAccount, byte[], T> options,
                                                    int attempt) {
        if (attempt >= SAVE_ATTEMPTS) return OpsAccounts.tooManyRaces(name, SAVE_ATTEMPTS);
        Instant now = clock.instant();
        OpsAccount a = enabled(name);
        if (a == null) return done(refused(401, "signin_required", "sign in again"));
        Outcome<T> no = check.apply(a);
        if (no != null) return done(no);
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        PasskeyChallenge.Purpose purpose = grantId == null ? PasskeyChallenge.Purpose.ENROL : PasskeyChallenge.Purpose.APPROVE;
        List<PasskeyChallenge> pending = new ArrayList<>(live(a, now));
        pending.add(new PasskeyChallenge(WebAuthn.base64url(nonce), purpose, grantId, session, now.plus(CEREMONY)));
        OpsAccount next = a.withPasskeys(a.passkeys(), pending);
        AuditEvent e = AuditEvent.of("passkey.challenge_issued").with("name", name).with("purpose", purpose.label())
                .with("grant_id", grantId).build();
        return write(next, e, new Outcome.Ok<>(options.apply(a, nonce)),
                () -> issue(name, session, grantId, check, options, attempt + 1));
    }

    /** The live nonce of this session, purpose and grant whose (derived) challenge is {@code signed}; or null. */
    private static PasskeyChallenge match(OpsAccount a, String session, PasskeyChallenge.Purpose purpose, String grantId,
                                          Instant now, byte[] signed, Function<byte[], byte[]> derive) {
        for (PasskeyChallenge c : a.challenges()) {
            if (c.purpose() != purpose || !c.session().equals(session) || !c.liveAt(now)) continue;
            if (grantId != null && !grantId.equals(c.grantId())) continue;
            if (MessageDigest.isEqual(derive.apply(WebAuthn.bytes(c.nonce())), signed)) return c;
        }
        return null;
    }

    private static List<PasskeyChallenge> live(OpsAccount a, Instant now) {
        return a.challenges().stream().filter(c -> c.liveAt(now)).toList();
    }

    private static List<PasskeyChallenge> without(OpsAccount a, PasskeyChallenge used, Instant now) {
        return a.challenges().stream().filter(c -> c.liveAt(now) && !c.equals(used)).toList();
    }

    private OpsAccount enabled(String name) {
        return OpsAccounts.account(store, name).filter(a -> !a.disabled()).orElse(null);
    }

    /**
     * The WebAuthn user handle: opaque, stable per account (so a resident credential for the same person replaces
     * itself on one authenticator), and not the name itself (§14.6.1: the handle must not carry personal data).
     */
    static String userId(String name) {
        byte[] h = Hashes.sha256(("airlock-ops-user:" + name).getBytes(StandardCharsets.UTF_8));
        return WebAuthn.base64url(java.util.Arrays.copyOf(h, 16));
    }

    private <T> CompletableFuture<Outcome<T>> refusal(String name, String ceremony, String grantId, String credential,
                                                      String code, String message) {
        int status = switch (code) {
            case "passkey_exists", "passkeys_full" -> 409;
            default -> 403;
        };
        return audit.append(AuditEvent.of("passkey.refused").with("name", name).with("ceremony", ceremony)
                        .with("grant_id", grantId).with("credential", credential).with("code", code)
                        .with("reason", message).build())
                .thenApply(v -> refused(status, code, message));
    }

    private <T> CompletableFuture<Outcome<T>> write(OpsAccount next, AuditEvent event, Outcome<T> result,
                                                    java.util.function.Supplier<CompletableFuture<Outcome<T>>> again) {
        return writes.apply(event, new StateChange.SaveOpsAccount(next))
                .thenCompose(saved -> saved ? CompletableFuture.completedFuture(result) : again.get());
    }

    private static <T> Outcome<T> refused(int status, String code, String message) {
        return new Outcome.Refused<>(status, code, message);
    }

    private static <T> CompletableFuture<T> done(T t) {
        return CompletableFuture.completedFuture(t);
    }
}
