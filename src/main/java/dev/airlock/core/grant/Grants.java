package dev.airlock.core.grant;

import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.TokenMinter;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;

/** The grant services over one ledger: what agents ask, what people decide, and what the approved grant yields. */
public final class Grants {
    public final GrantRequests requests;
    public final GrantDecisions decisions;
    public final GrantRedemption redemption;
    private final GrantLedger ledger;

    public Grants(Policy policy, StateStore store, AuditSink audit, GrantNotifier notifier, FreshFactor factor,
                  TokenMinter minter, Clock clock, SecureRandom random, String tokenEndpoint) {
        this.ledger = new GrantLedger(store, audit, notifier, clock);
        this.requests = new GrantRequests(policy, store, ledger, random, tokenEndpoint);
        this.decisions = new GrantDecisions(policy, store, ledger, factor);
        this.redemption = new GrantRedemption(policy, store, ledger, minter);
    }

    /** Records expired grants as such (audited, notified). Call periodically. */
    public CompletableFuture<Integer> expireDue() {
        return ledger.expireDue();
    }
}
