package dev.airlock.core.ops;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.ops.OpsAccounts.AccountExists;
import dev.airlock.core.ops.OpsAccounts.Enrolment;
import dev.airlock.core.ops.OpsAccounts.NoSuchAccount;
import dev.airlock.core.store.AuditedWrites;
import dev.airlock.core.store.StateChange;
import dev.airlock.core.store.StateStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The operator's changes to ops accounts (enrol, re-enrol, disable, lower the TOTP step), each through the store's
 * {@link AuditedWrites} (a compare-and-set save and its audit event together), so no change takes effect without its
 * record (issue 13, finding 1). Reached through {@link OpsAccounts}.
 */
final class OpsAdmin {
    private final StateStore store;
    private final SecretBox box;
    private final AuditSink audit;
    private final AuditedWrites writes;
    private final Clock clock;
    private final SecureRandom random;
    private final Passphrases passphrases;

    OpsAdmin(StateStore store, SecretBox box, AuditSink audit, Clock clock, SecureRandom random,
             Passphrases passphrases) {
        this.store = store;
        this.box = box;
        this.audit = audit;
        this.writes = store.audited(audit);
        this.clock = clock;
        this.random = random;
        this.passphrases = passphrases;
    }

    /**
     * Enrols a new approver. Fails with {@link IllegalArgumentException} for a bad name or group, with
     * {@link AccountExists} if the name is taken.
     */
    CompletableFuture<Enrolment> create(String name, Set<String> groups) {
        try {
            OpsAccounts.checkName(name, "account name");
            if (groups == null || groups.isEmpty()) throw new IllegalArgumentException("name at least one group");
            for (String g : groups) OpsAccounts.checkName(g, "group name");
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (store.opsAccount(name).isPresent()) return CompletableFuture.failedFuture(new AccountExists(name));
        Credentials c = newCredentials(name);
        OpsAccount account = new OpsAccount(name, groups, c.hash, c.sealed, 0, 0, null, clock.instant(), false, 1);
        AuditEvent e = AuditEvent.of("ops.account_created").with("name", name)
                .with("groups", OpsAccounts.sorted(groups)).build();
        return writes.apply(e, new StateChange.SaveOpsAccount(account)).thenCompose(saved -> saved
                        ? CompletableFuture.completedFuture(c.enrolment)
                        : CompletableFuture.<Enrolment>failedFuture(new AccountExists(name)))
                .whenComplete((ok, failure) -> {
                    if (failure != null) c.clear();
                });
    }

    /**
     * Re-enrols an approver who lost a phone or passphrase: a new passphrase and TOTP secret, failures and lock
     * cleared. A disabled account is enabled again: a reset is a fresh enrolment, and the operator running it is the
     * one who hands the new credentials over.
     */
    CompletableFuture<Enrolment> reset(String name) {
        OpsAccount before = OpsAccounts.account(store, name).orElse(null);
        if (before == null) return CompletableFuture.failedFuture(new NoSuchAccount(name));
        Credentials c = newCredentials(name);
        // A reset is a fresh enrolment after a lost device: the passkeys go too (the lost phone may hold one), and the
        // person enrols again once signed in with the new credentials.
        AuditEvent e = AuditEvent.of("ops.account_reset").with("name", name).with("was_disabled", before.disabled())
                .with("passkeys_removed", before.passkeys().size()).build();
        return transition(e, name, a -> new OpsAccount(a.name(), a.groups(), c.hash,
                        c.sealed, 0, 0, null, a.createdAt(), false, a.version() + 1), 0)
                .thenApply(pair -> c.enrolment)
                .whenComplete((ok, failure) -> {
                    if (failure != null) c.clear();
                });
    }

    /** Stops an approver from signing in or approving. Their open sessions are the session owner's to close. */
    CompletableFuture<Void> disable(String name) {
        OpsAccount before = OpsAccounts.account(store, name).orElse(null);
        if (before == null) return CompletableFuture.failedFuture(new NoSuchAccount(name));
        AuditEvent e = AuditEvent.of("ops.account_disabled").with("name", name).with("already", before.disabled())
                .build();
        return transition(e, name, a -> a.disabled() ? null
                : OpsAccounts.copy(a, a.lastTotpStep(), a.failures(), a.lockedUntil(), true), 0).thenApply(pair -> null);
    }

    /**
     * Lowers an approver's last accepted TOTP step to the current step, when it is ahead of this clock beyond the
     * window ({@link StepAhead}): the operator's way out of a lockout left by a backward clock correction. Completes
     * empty, writing nothing, when the step is not ahead. Setting the floor to the current step, not below, keeps
     * every code for a step up to now refused, so none used before can be replayed now.
     */
    CompletableFuture<Optional<StepAhead>> resetTotpStep(String name) {
        OpsAccount before = OpsAccounts.account(store, name).orElse(null);
        if (before == null) return CompletableFuture.failedFuture(new NoSuchAccount(name));
        Instant now = clock.instant();
        Optional<StepAhead> ahead = StepAhead.of(name, before.lastTotpStep(), now);
        if (ahead.isEmpty()) return CompletableFuture.completedFuture(ahead);
        long current = Totp.step(now);
        AuditEvent e = AuditEvent.of("ops.totp_step_reset").with("name", name).with("from_step", before.lastTotpStep())
                .with("to_step", current).with("ahead_seconds", ahead.get().ahead().toSeconds()).with("by", "cli").build();
        return transition(e, name, a -> a.lastTotpStep() > current
                ? OpsAccounts.copy(a, current, a.failures(), a.lockedUntil(), a.disabled()) : null, 0).thenApply(pair -> ahead);
    }

    private record Transition(OpsAccount before, OpsAccount after) {}

    /**
     * Applies {@code change} to the current account with {@code event}, again on the winner after a lost save (whose
     * event the store rolled back or marked {@code change.not_done}). A null change writes the event alone: the
     * operator's decision is on the record even when the account already was as asked.
     */
    private CompletableFuture<Transition> transition(AuditEvent event, String name,
                                                     Function<OpsAccount, OpsAccount> change, int attempt) {
        if (attempt >= OpsAccounts.MAX_ATTEMPTS) return OpsAccounts.tooManyRaces(name, OpsAccounts.MAX_ATTEMPTS);
        Optional<OpsAccount> current = store.opsAccount(name);
        if (current.isEmpty()) return CompletableFuture.failedFuture(new NoSuchAccount(name));
        OpsAccount next = change.apply(current.get());
        if (next == null) {
            return audit.append(event).thenApply(v -> new Transition(current.get(), current.get()));
        }
        return writes.apply(event, new StateChange.SaveOpsAccount(next)).thenCompose(saved -> saved
                ? CompletableFuture.completedFuture(new Transition(current.get(), next))
                : transition(event, name, change, attempt + 1));
    }

    private final class Credentials {
        final String hash;
        final String sealed;
        final Enrolment enrolment;

        Credentials(String name) {
            char[] passphrase = Passphrases.generate(random);
            byte[] secret = Totp.newSecret(random);
            this.hash = passphrases.hash(passphrase);
            this.sealed = Base64.getEncoder().encodeToString(box.seal(secret, OpsAccounts.label(name)));
            this.enrolment = new Enrolment(name, passphrase, Totp.base32(secret),
                    Totp.otpauthUri(Totp.ISSUER, name, secret));
            Arrays.fill(secret, (byte) 0);
        }

        void clear() {
            Arrays.fill(enrolment.passphrase(), '\0');
        }
    }

    private Credentials newCredentials(String name) {
        return new Credentials(name);
    }
}
