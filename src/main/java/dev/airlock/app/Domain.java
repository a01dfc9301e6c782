package dev.airlock.app;

import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.audit.IssuedTokens;
import dev.airlock.core.auth.ClientAuthenticator;
import dev.airlock.core.auth.FailureThrottle;
import dev.airlock.core.check.CheckService;
import dev.airlock.core.check.Introspection;
import dev.airlock.core.check.TokenAdmin;
import dev.airlock.core.check.TokenUsability;
import dev.airlock.core.grant.Grants;
import dev.airlock.core.grant.PreconditionProbe;
import dev.airlock.core.identity.IssuerKeys;
import dev.airlock.core.identity.SubjectTokens;
import dev.airlock.core.oauth.ClientCredentialsGrant;
import dev.airlock.core.oauth.TokenExchange;
import dev.airlock.core.ops.OpsAccounts;
import dev.airlock.core.ops.Passkeys;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.proxy.Providers;
import dev.airlock.core.store.RefreshOnMiss;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.KeyRing;
import dev.airlock.core.token.TokenMinter;
import dev.airlock.core.token.TokenVerifier;
import dev.airlock.notify.WebhookNotifier;
import java.security.SecureRandom;
import java.util.List;

/**
 * Everything that depends on the policy, built together from one policy and never changed: a policy reload builds a
 * new one and swaps it in whole ({@link Airlock#domain()}). A request takes one domain at its start and uses only its
 * services, so it sees one policy from start to end, never the old environments with the new agents. State (store,
 * audit log, keys, sessions, failure throttles) is shared by every domain: a reload neither forgets a revocation nor
 * resets a brute-force throttle.
 */
public final class Domain implements AutoCloseable {
    public final Policy policy;
    /** The providers of {@code <policy>/providers/}, reached through the proxy; none if that folder is absent. */
    public final Providers providers;
    /** {@link dev.airlock.core.policy.PolicyHash} of the files this domain was loaded from. */
    public final String policyHash;
    public final TokenMinter minter;
    public final ClientAuthenticator authenticator;
    public final ClientCredentialsGrant clientCredentials;
    /** RFC 8693 delegation: a user's token from a trusted identity provider for an agent's token acting for them. */
    public final TokenExchange exchange;
    /** Whether a token is usable now, for whom: the one rule check, proxy, introspection, revocation and Bearer use. */
    public final TokenUsability tokens;
    public final CheckService check;
    public final Introspection introspection;
    public final TokenAdmin admin;
    public final Grants grants;
    private final WebhookNotifier notifier;

    /** What every domain shares; built once by {@link Airlock}. */
    record Shared(AirlockConfig config, StateStore store, AuditSink audit, IssuedTokens issued, KeyRing keys,
                  TokenVerifier verifier, OpsAccounts ops, Passkeys passkeys, FailureThrottle perClient,
                  FailureThrottle perAddress, RefreshOnMiss fresh, SecureRandom random, PreconditionProbe probe,
                  IssuerKeys issuerKeys) {}

    Domain(Policy policy, Providers providers, String policyHash, Shared s) {
        AirlockConfig config = s.config();
        this.policy = policy;
        this.providers = providers;
        this.policyHash = policyHash;
        this.minter = new TokenMinter(s.keys(), config.issuer(), config.clock(), s.random(), policy);
        this.authenticator = new ClientAuthenticator(policy, s.store(), s.audit(), s.perClient(), s.perAddress(),
                config.clock(), s.fresh(), List.of(config.issuer(), Airlock.tokenEndpoint(config.issuer())));
        java.util.Set<String> gateways = new java.util.LinkedHashSet<>();
        for (dev.airlock.core.proxy.Provider p : providers.all()) {
            if (p.kind() == dev.airlock.core.proxy.Provider.Kind.MCP) gateways.add(minter.gatewayPrefix() + p.name());
        }
        this.clientCredentials = new ClientCredentialsGrant(policy, s.store(), minter, s.audit(), gateways);
        this.notifier = new WebhookNotifier(policy.webhooks(), config.issuer(), System::getenv, config.clock());
        this.grants = new Grants(policy, s.store(), s.audit(), notifier, s.ops(), s.passkeys(), minter, config.clock(),
                s.random(), Airlock.tokenEndpoint(config.issuer()), providers, s.probe());
        this.tokens = new TokenUsability(policy, s.store(), s.verifier(), grants.redemption);
        this.check = new CheckService(policy, s.store(), tokens, s.audit(), config.issuer(), grants.redemption);
        this.introspection = new Introspection(tokens, s.audit(), config.issuer());
        this.admin = new TokenAdmin(policy, s.store(), s.audit(), s.issued());
        this.exchange = new TokenExchange(clientCredentials,
                new SubjectTokens(policy, s.issuerKeys(), config.clock(), config.issuer()), tokens, minter, s.audit());
    }

    /** Stops this domain's webhook senders, letting queued deliveries finish for their grace period. */
    @Override
    public void close() {
        notifier.close();
    }
}
