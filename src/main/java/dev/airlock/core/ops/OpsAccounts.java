package dev.airlock.core.ops;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.crypto.Hashes;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.grant.FreshFactor;
import dev.airlock.core.store.AuditedWrites;
import dev.airlock.core.store.KeyedTurns;
import dev.airlock.core.store.StateChange;
import dev.airlock.core.store.StateStore;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The ops realm: human approvers, who sign in with a passphrase and a TOTP code and give a fresh code for every
 * approval. Nothing here is shared with agents' credentials.
 *
 * <p>Every state change (an accepted code step, a failure count, a lock, an enrolment) is a compare-and-set save of
 * the versioned {@link OpsAccount}, written with the decision's event through the store's {@link AuditedWrites} (files:
 * the event first; PostgreSQL: one transaction), so that no step or failure count changes without its event (issue 13, finding 1). Sign-ins and codes of
 * one account are decided one at a time in this process ({@link KeyedTurns}); a save lost to a writer in another
 * process leaves its event and a {@code change.not_done} in the log and is decided again on the account as it now
 * stands, at most {@value #SAVE_ATTEMPTS} times. So a code is accepted once however many requests carry it, and no
 * failure is lost.
 *
 * <p>Lockout: after {@value #FREE_FAILURES} consecutive failures the account is locked for one minute; every further
 * failure doubles that, up to an hour; a success clears it. Attempts while locked are answered without checking
 * anything, so they are no oracle. This is per account name, so anyone who knows a name can keep that approver
 * locked out (at a cost of one attempt per lock period): a per-address throttle in front belongs to the HTTP layer.
 *
 * <p>Unknown and disabled names behave like an existing account with a wrong passphrase: the same Argon2 work, the
 * same message, and an in-memory lock on the same schedule, so neither the answer nor its timing nor a lockout tells
 * whether a name exists.
 *
 * <p>{@link #signIn} runs Argon2 (tens of milliseconds) on the calling thread: call it off any event loop.
 */
public final class OpsAccounts implements FreshFactor {
    /** Account and group names: the same alphabet as agent ids and the policy's approver groups. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    public static final int FREE_FAILURES = 5;
    public static final Duration FIRST_LOCK = Duration.ofMinutes(1);
    public static final Duration MAX_LOCK = Duration.ofHours(1);
    /** A lost compare-and-set means someone else progressed; this many in a row means something is wrong. */
    static final int MAX_ATTEMPTS = 100;
    /**
     * Decisions of a sign-in or code lost to a writer in another process before giving up. Each lost one leaves its
     * event and a {@code change.not_done} in the log, so this also bounds what one request can write there.
     */
    static final int SAVE_ATTEMPTS = 3;
    /** Bounds the in-memory locks kept for names that are not (enabled) accounts. */
    static final int MAX_PHANTOMS = 10_000;

    /** What a new or reset approver is told once: nothing here is stored in clear. */
    public record Enrolment(String name, char[] passphrase, String totpSecretBase32, String otpauthUri) {}

    /** The outcome of a sign-in. */
    public sealed interface SignIn {
        /** One message for every refusal, so that it does not tell a wrong name from a wrong passphrase or code. */
        String REFUSED = "sign-in refused: unknown name, wrong passphrase or wrong code";

        record Ok(OpsAccount account) implements SignIn {}

        record Refused(String message) implements SignIn {}

        record Locked(Duration retryAfter) implements SignIn {}

        /**
         * Passphrase and code right, but the code's step is at or before the last accepted one, which is ahead of
         * this clock: said plainly (only to someone who just proved both factors), and not counted as a failure.
         */
        record ClockBehind(StepAhead ahead) implements SignIn {}
    }

    /** {@link #create} for a name that is already taken (enabled or not). */
    public static final class AccountExists extends RuntimeException {
        public AccountExists(String name) {
            super("ops account '" + name + "' already exists; use 'ops reset' to re-enrol it");
        }
    }

    /** {@link #reset} or {@link #disable} for a name that is not an account. */
    public static final class NoSuchAccount extends RuntimeException {
        public NoSuchAccount(String name) {
            super("no ops account '" + name + "'");
        }
    }

    private record Phantom(int failures, Instant lockedUntil) {}

    private final StateStore store;
    private final SecretBox box;
    private final AuditSink audit;
    private final Clock clock;
    private final SecureRandom random;
    private final Passphrases passphrases;
    /** A well-formed hash of nothing, at our own costs: verifying against it costs what a real verification costs. */
    private final String dummyHash;
    private final ConcurrentHashMap<String, Phantom> phantoms = new ConcurrentHashMap<>();
    private final OpsAdmin admin;
    private final KeyedTurns turns = new KeyedTurns();
    private final AuditedWrites writes;

    public OpsAccounts(StateStore store, SecretBox box, AuditSink audit, Clock clock, SecureRandom random) {
        this(store, box, audit, clock, random, new Passphrases(random));
    }

    /** With other Argon2 costs: tests use cheap ones. */
    OpsAccounts(StateStore store, SecretBox box, AuditSink audit, Clock clock, SecureRandom random,
                Passphrases passphrases) {
        this.store = store;
        this.box = box;
        this.audit = audit;
        this.clock = clock;
        this.random = random;
        this.passphrases = passphrases;
        this.dummyHash = passphrases.dummyHash();
        this.admin = new OpsAdmin(store, box, audit, clock, random, passphrases);
        this.writes = store.audited(audit);
    }

    // --- Enrolment (OpsAdmin: each change audited first) ----------------------------------------------------------

    /**
     * Enrols a new approver. Fails with {@link IllegalArgumentException} for a bad name or group, with
     * {@link AccountExists} if the name is taken.
     */
    public CompletableFuture<Enrolment> create(String name, Set<String> groups) {
        return admin.create(name, groups);
    }

    /**
     * Re-enrols an approver who lost a phone or passphrase: a new passphrase and TOTP secret, failures and lock
     * cleared. A disabled account is enabled again: a reset is a fresh enrolment, and the operator running it is the
     * one who hands the new credentials over.
     */
    public CompletableFuture<Enrolment> reset(String name) {
        return admin.reset(name);
    }

    /** Stops an approver from signing in or approving. Their open sessions are the session owner's to close. */
    public CompletableFuture<Void> disable(String name) {
        return admin.disable(name);
    }

    /**
     * Lowers an approver's last accepted TOTP step to the current step when it is ahead of this clock beyond the
     * window ({@link StepAhead}); completes empty, writing nothing, otherwise. See {@link OpsAdmin#resetTotpStep}.
     */
    public CompletableFuture<Optional<StepAhead>> resetTotpStep(String name) {
        return admin.resetTotpStep(name);
    }

    /**
     * Whether {@code name}'s last accepted step is ahead of this clock beyond the window, so that every code they can
     * give now is refused: for the signed-in person's own view, since an approval's refusal says only "code invalid".
     */
    public Optional<StepAhead> stepAhead(String name) {
        return account(name).flatMap(a -> StepAhead.of(a.name(), a.lastTotpStep(), clock.instant()));
    }

    // --- Sign-in ---------------------------------------------------------------------------------------------------

    /**
     * Checks a name, passphrase and current TOTP code. The caller owns {@code passphrase} and should clear it after.
     * An internal failure (a TOTP secret that does not open under this master key) fails the future.
     */
    public CompletableFuture<SignIn> signIn(String name, char[] passphrase, String code) {
        Instant now = clock.instant();
        OpsAccount a = account(name).orElse(null);
        if (a == null || a.disabled()) return signInNobody(name, passphrase, a == null ? "unknown_name" : "disabled");
        Duration wait = lockRemaining(a.lockedUntil(), now);
        if (wait != null) return audited(signInEvent(a.name(), "locked", "locked", a).build(), new SignIn.Locked(wait));
        boolean passphraseOk = passphrase != null && passphrases.verify(passphrase, a.passphraseHash());
        return turns.run(a.name(), () -> settleSignIn(a.name(), a.passphraseHash(), passphraseOk, code, 0));
    }

    /** After the passphrase was checked (once): decide on the current account, retrying lost races. */
    private CompletableFuture<SignIn> settleSignIn(String name, String checkedHash, boolean passphraseOk, String code,
                                                   int attempt) {
        if (attempt >= SAVE_ATTEMPTS) return tooManyRaces(name, SAVE_ATTEMPTS);
        Instant now = clock.instant();
        OpsAccount a = store.opsAccount(name).orElse(null);
        if (a == null || a.disabled() || !a.passphraseHash().equals(checkedHash)) {
            // Disabled or re-enrolled while we hashed: the passphrase we checked is no longer the one that counts.
            return audited(signInEvent(name, "refused", "account_changed", a).build(),
                    new SignIn.Refused(SignIn.REFUSED));
        }
        Duration wait = lockRemaining(a.lockedUntil(), now);
        if (wait != null) return audited(signInEvent(name, "locked", "locked", a).build(), new SignIn.Locked(wait));
        OptionalLong step = OptionalLong.empty();
        Optional<StepAhead> ahead = Optional.empty();
        if (passphraseOk) {
            byte[] secret;
            try {
                secret = secret(a);
            } catch (GeneralSecurityException e) {
                return unreadable(name, e);
            }
            step = Totp.acceptedStep(secret, code, now, a::fresh);
            if (step.isEmpty()) ahead = stepAhead(a, secret, code, now);
            Arrays.fill(secret, (byte) 0);
        }
        if (ahead.isPresent()) {
            return audited(signInEvent(name, "refused", "clock_behind", a).with("message", ahead.get().message()).build(),
                    new SignIn.ClockBehind(ahead.get()));
        }
        boolean accepted = step.isPresent();
        OpsAccount next = accepted ? succeeded(a, step.getAsLong()) : failed(a, now);
        String reason = accepted ? null : passphraseOk ? "code" : "passphrase";
        return accepted
                ? write(next, signInEvent(name, "ok", null, next).build(), new SignIn.Ok(next),
                        () -> settleSignIn(name, checkedHash, passphraseOk, code, attempt + 1))
                : write(next, signInEvent(name, "refused", reason, next).build(), new SignIn.Refused(SignIn.REFUSED),
                        () -> settleSignIn(name, checkedHash, passphraseOk, code, attempt + 1));
    }

    /** Unknown or disabled: the same work and answers as a wrong passphrase, with the lock kept in memory. */
    private CompletableFuture<SignIn> signInNobody(String name, char[] passphrase, String reason) {
        Instant now = clock.instant();
        String key = Hashes.sha256Hex(name == null ? "" : name);
        Phantom p = phantoms.get(key);
        Duration wait = p == null ? null : lockRemaining(p.lockedUntil, now);
        AuditEvent.Builder e = AuditEvent.of("ops.signin");
        nameFields(e, name, reason);
        if (wait != null) return audited(e.with("outcome", "locked").with("reason", reason).build(), new SignIn.Locked(wait));
        passphrases.verify(passphrase == null ? new char[0] : passphrase, dummyHash);
        if (phantoms.size() >= MAX_PHANTOMS) {
            // A flood of distinct names: forgetting their locks is safer for memory, and each lock is short anyway.
            phantoms.clear();
        }
        Phantom after = phantoms.compute(key, (k, old) -> {
            int failures = old == null ? 1 : old.failures + 1;
            return new Phantom(failures, lockAfter(failures, now));
        });
        e.with("outcome", "refused").with("reason", reason).with("failures", after.failures)
                .with("locked_until", after.lockedUntil == null ? null : after.lockedUntil.toString());
        return audited(e.build(), new SignIn.Refused(SignIn.REFUSED));
    }

    // --- Fresh factor ----------------------------------------------------------------------------------------------

    /**
     * A fresh TOTP code for an approval: {@code true} once per code (a compare-and-set on the accepted step, so of
     * several concurrent uses exactly one wins). A wrong, replayed or stale code counts as a failure toward the lock;
     * a locked, disabled or unknown account is refused without looking at the code.
     */
    @Override
    public CompletableFuture<Boolean> verify(String approver, String code) {
        if (approver == null || !NAME.matcher(approver).matches()) return settleCode(approver, code, 0);
        return turns.run(approver, () -> settleCode(approver, code, 0));
    }

    private CompletableFuture<Boolean> settleCode(String name, String code, int attempt) {
        if (attempt >= SAVE_ATTEMPTS) return tooManyRaces(name, SAVE_ATTEMPTS);
        Instant now = clock.instant();
        OpsAccount a = account(name).orElse(null);
        if (a == null || a.disabled()) {
            AuditEvent.Builder e = AuditEvent.of("ops.code_refused");
            nameFields(e, name, a == null ? "unknown_name" : "disabled");
            return audited(e.with("reason", a == null ? "unknown_name" : "disabled").build(), false);
        }
        if (lockRemaining(a.lockedUntil(), now) != null) return audited(codeRefused(a, "locked"), false);
        byte[] secret;
        try {
            secret = secret(a);
        } catch (GeneralSecurityException e) {
            return unreadable(name, e);
        }
        OptionalLong step = Totp.acceptedStep(secret, code, now, a::fresh);
        Optional<StepAhead> ahead = step.isPresent() ? Optional.empty() : stepAhead(a, secret, code, now);
        if (ahead.isPresent()) {
            Arrays.fill(secret, (byte) 0);
            return audited(AuditEvent.of("ops.code_refused").with("name", name).with("reason", "clock_behind")
                    .with("failures", a.failures()).with("message", ahead.get().message()).build(), false);
        }
        String reason = step.isPresent() ? null
                : !Totp.wellFormed(code) ? "malformed"
                : Totp.acceptedStep(secret, code, now, Long.MIN_VALUE).isPresent() ? "not_fresh" : "wrong";
        Arrays.fill(secret, (byte) 0);
        OpsAccount next = step.isPresent() ? succeeded(a, step.getAsLong()) : failed(a, now);
        return write(next, step.isPresent() ? AuditEvent.of("ops.code_accepted").with("name", name).build()
                : codeRefused(next, reason), step.isPresent(), () -> settleCode(name, code, attempt + 1));
    }

    /**
     * A genuine code (it matches a step within the window) refused only because the last accepted step is ahead of
     * this clock. Not a failure toward the lock: it proves the factor, and counting it would turn a clock correction
     * into an hour-long lock on top.
     */
    private static Optional<StepAhead> stepAhead(OpsAccount a, byte[] secret, String code, Instant now) {
        Optional<StepAhead> ahead = StepAhead.of(a.name(), a.lastTotpStep(), now);
        return ahead.isPresent() && Totp.acceptedStep(secret, code, now, Long.MIN_VALUE).isPresent()
                ? ahead : Optional.empty();
    }

    // --- State transitions -----------------------------------------------------------------------------------------

    private static OpsAccount succeeded(OpsAccount a, long step) {
        List<Long> recent = new java.util.ArrayList<>(a.recentSteps());
        recent.add(step);
        return new OpsAccount(a.name(), a.groups(), a.passphraseHash(), a.totpSealed(), step, 0, null, a.createdAt(),
                a.disabled(), a.version() + 1, recent, a.passkeys(), a.challenges());
    }

    private static OpsAccount failed(OpsAccount a, Instant now) {
        int failures = a.failures() == Integer.MAX_VALUE ? a.failures() : a.failures() + 1;
        return copy(a, a.lastTotpStep(), failures, lockAfter(failures, now), a.disabled());
    }

    static OpsAccount copy(OpsAccount a, long lastStep, int failures, Instant lockedUntil, boolean disabled) {
        return new OpsAccount(a.name(), a.groups(), a.passphraseHash(), a.totpSealed(), lastStep, failures, lockedUntil,
                a.createdAt(), disabled, a.version() + 1, a.recentSteps(), a.passkeys(), a.challenges());
    }

    /** Null below the free failures; then one minute, doubling with every further failure, capped at an hour. */
    static Instant lockAfter(int failures, Instant now) {
        if (failures < FREE_FAILURES) return null;
        Duration d = FIRST_LOCK.multipliedBy(1L << Math.min(failures - FREE_FAILURES, 20));
        return now.plus(d.compareTo(MAX_LOCK) > 0 ? MAX_LOCK : d);
    }

    private static Duration lockRemaining(Instant lockedUntil, Instant now) {
        return lockedUntil != null && now.isBefore(lockedUntil) ? Duration.between(now, lockedUntil) : null;
    }

    // --- Helpers ---------------------------------------------------------------------------------------------------

    private Optional<OpsAccount> account(String name) {
        return account(store, name);
    }

    /** Only a well-formed name is looked up. */
    static Optional<OpsAccount> account(StateStore store, String name) {
        return name != null && NAME.matcher(name).matches() ? store.opsAccount(name) : Optional.empty();
    }

    /** The sealed box is bound to the account name, so a secret copied onto another account does not open. */
    static String label(String name) {
        return "ops-totp:" + name;
    }

    private byte[] secret(OpsAccount a) throws GeneralSecurityException {
        byte[] sealed;
        try {
            sealed = Base64.getDecoder().decode(a.totpSealed());
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("sealed TOTP secret is not base64");
        }
        return box.open(sealed, label(a.name()));
    }

    private <T> CompletableFuture<T> unreadable(String name, GeneralSecurityException e) {
        return CompletableFuture.failedFuture(new IllegalStateException(
                "the TOTP secret of ops account '" + name + "' does not open under this master key", e));
    }

    static <T> CompletableFuture<T> tooManyRaces(String name, int attempts) {
        return CompletableFuture.failedFuture(new IllegalStateException(
                "ops account '" + name + "' changed " + attempts + " times while deciding; giving up"));
    }

    /**
     * Writes {@code next} with its decision {@code event} through the store's {@link AuditedWrites} (files: the event
     * first; PostgreSQL: one transaction); completes with {@code result} once both are durable. A save lost to
     * another process runs {@code again}, which decides anew on the account as it now stands (the store re-read the
     * winner); any other failure fails the future, and nothing changed.
     */
    private <T> CompletableFuture<T> write(OpsAccount next, AuditEvent event, T result,
                                           Supplier<CompletableFuture<T>> again) {
        return writes.apply(event, new StateChange.SaveOpsAccount(next))
                .thenCompose(saved -> saved ? CompletableFuture.completedFuture(result) : again.get());
    }

    private <T> CompletableFuture<T> audited(AuditEvent event, T result) {
        return audit.append(event).thenApply(v -> result);
    }

    private static AuditEvent.Builder signInEvent(String name, String outcome, String reason, OpsAccount after) {
        AuditEvent.Builder e = AuditEvent.of("ops.signin").with("name", name).with("outcome", outcome)
                .with("reason", reason);
        if (after != null && !"ok".equals(outcome)) {
            e.with("failures", after.failures())
                    .with("locked_until", after.lockedUntil() == null ? null : after.lockedUntil().toString());
        }
        return e;
    }

    private static AuditEvent codeRefused(OpsAccount after, String reason) {
        return AuditEvent.of("ops.code_refused").with("name", after.name()).with("reason", reason)
                .with("failures", after.failures())
                .with("locked_until", after.lockedUntil() == null ? null : after.lockedUntil().toString()).build();
    }

    /**
     * A name that is no account is logged as a hash: people type passphrases into name fields, and the audit log
     * must not keep one. Disabled accounts are real names and logged as such.
     */
    private static void nameFields(AuditEvent.Builder e, String name, String reason) {
        if ("disabled".equals(reason)) e.with("name", name);
        else e.with("name_sha256", Hashes.sha256Hex(name == null ? "" : name));
    }

    static void checkName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " '" + name + "' must match " + NAME.pattern());
        }
    }

    static List<String> sorted(Set<String> s) {
        return List.copyOf(new TreeSet<>(s));
    }
}
