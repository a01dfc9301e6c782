package dev.airlock.app;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditKey;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.audit.RecentRefusals;
import dev.airlock.core.grant.Grants;
import dev.airlock.core.journal.AppendOnlyFile;
import dev.airlock.core.journal.PrivateFiles;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.ops.OpsAccounts;
import dev.airlock.core.ops.OpsSessions;
import dev.airlock.notify.WebhookNotifier;
import dev.airlock.core.auth.ClientAuthenticator;
import dev.airlock.core.auth.FailureThrottle;
import dev.airlock.core.check.CheckService;
import dev.airlock.core.check.Introspection;
import dev.airlock.core.check.TokenAdmin;
import dev.airlock.core.check.TokenUsability;
import dev.airlock.core.crypto.MasterKey;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.oauth.ClientCredentialsGrant;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyHash;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.proxy.ProviderLoader;
import dev.airlock.core.proxy.Providers;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.KeyRing;
import dev.airlock.core.token.TokenMinter;
import dev.airlock.core.token.TokenVerifier;
import dev.airlock.core.token.VerifiedTokenCache;
import dev.airlock.metrics.AirlockMetrics;
import dev.airlock.store.embedded.FileStateStore;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

/**
 * The composition root: opens the policy, keys, store and audit log of one data directory and builds the domain
 * services on them. No Vert.x here; the HTTP layer and the CLI both start from this.
 */
public final class Airlock implements AutoCloseable {
    public final AirlockConfig config;
    public final Policy policy;
    /** The providers of {@code <policy>/providers/}, reached through the proxy; none if that folder is absent. */
    public final Providers providers;
    public final StateStore store;
    /** Whether the journal and audit log can be written and read: readiness and 503s (issue 13). */
    public final StorageHealth storage;
    public final AuditLog audit;
    /** Signs the audit log's checkpoints; its fingerprint is what operators pin ({@code audit verify --audit-key}). */
    public final AuditKey auditKey;
    public final KeyRing keys;
    public final TokenMinter minter;
    public final TokenVerifier verifier;
    public final ClientAuthenticator authenticator;
    public final ClientCredentialsGrant clientCredentials;
    /** Whether a token is usable now, for whom: the one rule check, proxy, introspection, revocation and Bearer use. */
    public final TokenUsability tokens;
    public final CheckService check;
    public final Introspection introspection;
    public final TokenAdmin admin;
    public final Grants grants;
    public final OpsAccounts ops;
    /** Signed-in people; in memory, so a restart signs everyone out (see docs/decisions.md). */
    public final OpsSessions sessions;
    private final WebhookNotifier notifier;
    /** Remembers each agent's recent refusals for the approvers' detail view (in memory; the audit log is the record). */
    public final RecentRefusals refusals;
    /** Counters, timers and gauges for {@code /metrics}; {@link AirlockMetrics#off()} with {@code serve --no-metrics}. */
    public final AirlockMetrics metrics;
    private final String policyHash;

    private Airlock(AirlockConfig config, Policy policy, String policyHash, Providers providers, StateStore durable,
                    StorageHealth storage, AuditLog log, AuditKey auditKey, KeyRing keys, SecretBox box,
                    SecureRandom random, AirlockMetrics metrics) {
        this.storage = storage;
        this.config = config;
        this.policy = policy;
        this.policyHash = policyHash;
        this.providers = providers;
        this.metrics = metrics;
        this.store = metrics.timeWrites(durable);
        StateStore store = this.store;
        this.audit = log;
        this.auditKey = auditKey;
        // Decisions are counted from the audit stream, once durable; labels only from the current policy's names.
        AuditSink counted = metrics.countDecisions(log, () -> this.policy, () -> this.providers);
        this.refusals = new RecentRefusals(counted, config.clock());
        AuditSink audit = refusals;
        this.keys = keys;
        this.minter = new TokenMinter(keys, config.issuer(), config.clock(), random, policy);
        // Each distinct token's signature is verified once (bounded cache); lifetime, revocation, freezes and grant
        // uses are still checked on every call (see VerifiedTokenCache).
        this.verifier = new TokenVerifier(keys, config.issuer(), config.clock(), new VerifiedTokenCache());
        this.authenticator = new ClientAuthenticator(policy, store, audit,
                new FailureThrottle(FailureThrottle.Limits.PER_CLIENT, config.clock()),
                new FailureThrottle(FailureThrottle.Limits.PER_ADDRESS, config.clock()), config.clock(),
                List.of(config.issuer(), tokenEndpoint(config.issuer())));
        this.clientCredentials = new ClientCredentialsGrant(policy, store, minter, audit);
        this.ops = new OpsAccounts(store, box, audit, config.clock(), random);
        this.sessions = new OpsSessions(config.clock(), random, store::opsAccount);
        this.notifier = new WebhookNotifier(policy.webhooks(), config.issuer(), System::getenv, config.clock());
        this.grants = new Grants(policy, store, audit, notifier, ops, minter, config.clock(), random,
                tokenEndpoint(config.issuer()));
        this.tokens = new TokenUsability(policy, store, verifier, grants.redemption);
        this.check = new CheckService(policy, store, tokens, audit, config.issuer(), grants.redemption);
        this.introspection = new Introspection(tokens, audit, config.issuer());
        this.admin = new TokenAdmin(policy, store, audit);
        metrics.watch(this.store, this::policyHash);
    }

    /** {@code sha256:...} of the policy files this server loaded ({@link PolicyHash}): readiness and metrics show it. */
    public String policyHash() {
        return policyHash;
    }

    public static String tokenEndpoint(String issuer) {
        return issuer + "/oauth2/token";
    }

    /**
     * Opens everything. A bad policy stops here, before anything listens.
     *
     * @throws PolicyException if the policy cannot be read or is invalid
     */
    public static Airlock open(AirlockConfig config) throws IOException, PolicyException {
        return open(config, AirlockMetrics.on());
    }

    /** With these metrics (closed with this Airlock); {@link AirlockMetrics#off()} measures nothing. */
    public static Airlock open(AirlockConfig config, AirlockMetrics metrics) throws IOException, PolicyException {
        Policy policy = PolicyLoader.load(config.policyDir());
        Providers providers = ProviderLoader.load(config.policyDir().resolve("providers"), policy);
        // Read again after loading: a file changed in between shows a hash that is not the loaded policy's, and the
        // next start (or reload) corrects it. Rare, and the loaders read each file once for their located errors.
        String policyHash = PolicyHash.of(config.policyDir());
        SecureRandom random = new SecureRandom();
        Path data = config.dataDir();
        PrivateFiles.createDataDirectory(data);
        PrivateFiles.requireSafeDataDirectory(data);
        SecretBox box = new SecretBox(MasterKey.load(data, config.masterKey(), random), random);
        KeyRing keys = KeyRing.open(data, box, config.algorithm(), config.clock(), random);
        StorageHealth storage = new StorageHealth();
        FileStateStore store = FileStateStore.open(data, config.clock(), AssertionLimits.DEFAULT,
                config.journalCompactBytes(), storage);
        AuditLog audit;
        AuditKey auditKey;
        try {
            auditKey = AuditKey.openOrCreate(data, box, config.clock(), random);
            audit = AuditLog.open(data.resolve("audit.log"), config.clock(), auditKey, storage);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        try {
            if (auditKey.created()) {
                audit.append(AuditEvent.of("audit.key_created").with("key", auditKey.fingerprint()).build()).join();
            }
            // A repaired end of either file is on the record before anything is served (issue 13, finding 3).
            List<AppendOnlyFile.Repair> repairs = new java.util.ArrayList<>(store.repairs());
            repairs.addAll(audit.repairs());
            audit.recordRepairs(repairs).join();
            // And those found later (a CLI killed mid-write, seen at the next catch-up); queued, not awaited: the
            // listener runs on a file's writer thread.
            AuditLog log = audit;
            store.onRepair(r -> log.recordRepairs(List.of(r)));
            audit.onRepair(r -> log.recordRepairs(List.of(r)));
        } catch (RuntimeException e) {
            audit.close();
            store.close();
            throw e;
        }
        return new Airlock(config, policy, policyHash, providers, store, storage, audit, auditKey, keys, box, random,
                metrics);
    }

    @Override
    public void close() {
        try {
            notifier.close();
            audit.close();
        } finally {
            store.close();
            metrics.close();
        }
    }
}
