package dev.airlock.app;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditKey;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.audit.AuditTrail;
import dev.airlock.core.audit.RecentRefusals;
import dev.airlock.core.auth.FailureThrottle;
import dev.airlock.core.crypto.MasterKey;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.grant.PreconditionProbe;
import dev.airlock.core.journal.AppendOnlyFile;
import dev.airlock.core.journal.PrivateFiles;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.ops.OpsAccounts;
import dev.airlock.core.ops.Passkeys;
import dev.airlock.core.ops.OpsSessions;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyHash;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.proxy.ProviderLoader;
import dev.airlock.core.proxy.Providers;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.RefreshOnMiss;
import dev.airlock.core.store.Ticker;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.KeyRing;
import dev.airlock.core.token.KeyRotation;
import dev.airlock.core.token.KeySchedule;
import dev.airlock.core.token.KeyState;
import dev.airlock.core.token.TokenVerifier;
import dev.airlock.core.token.VerifiedTokenCache;
import dev.airlock.metrics.AirlockMetrics;
import dev.airlock.store.embedded.FileStateStore;
import dev.airlock.store.postgres.PgAuditKey;
import dev.airlock.store.postgres.PgKeyStore;
import dev.airlock.store.postgres.PgSettings;
import dev.airlock.store.postgres.PgStateStore;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.logging.Logger;

/**
 * The composition root: opens the policy, keys, store and audit log of one data directory and builds the domain
 * services on them. No Vert.x here; the HTTP layer and the CLI both start from this.
 *
 * <p>State is opened once and shared; everything that depends on the policy lives in a {@link Domain}, rebuilt by
 * {@link #reloadPolicy()} and swapped in through one volatile reference (issue 14).
 */
public final class Airlock implements AutoCloseable {
    /** What {@code airlock --version} and the MCP server's {@code serverInfo} say. */
    public static final String VERSION = "0.1.0";
    private static final Logger LOG = Logger.getLogger(Airlock.class.getName());
    /** The longest refusal reason written to the audit log; the full list goes to the server log and the caller. */
    static final int MAX_REFUSAL_REASON_CHARS = 2000;

    public final AirlockConfig config;
    public final StateStore store;
    /** Whether the journal and audit log can be written and read: readiness and 503s (issue 13). */
    public final StorageHealth storage;
    /** The audit log: the data directory's file, or the PostgreSQL store's table. */
    public final AuditTrail audit;
    /** Signs the audit log's checkpoints; its fingerprint is what operators pin ({@code audit verify --audit-key}). */
    public final AuditKey auditKey;
    public final KeyRing keys;
    public final TokenVerifier verifier;
    public final OpsAccounts ops;
    /** Approvers' passkeys (issue 16); the relying party is the issuer's host and origin. */
    public final Passkeys passkeys;
    /**
     * Signed-in people: in memory with the file store (a restart signs everyone out), shared by every replica with
     * PostgreSQL (see docs/decisions.md).
     */
    public final OpsSessions sessions;
    /** Runs the token endpoint's refreshes on a miss ({@link RefreshOnMiss}): one daemon thread, one at a time. */
    private final java.util.concurrent.ScheduledExecutorService freshReads;
    /** Remembers each agent's recent refusals for the approvers' detail view (in memory; the audit log is the record). */
    public final RecentRefusals refusals;
    private final Domain.Shared shared;
    private final PolicyFollower follower;
    private volatile Domain domain;
    /**
     * How preconditions reach providers (issue 16): the HTTP server's client once it runs; until then, and in a
     * process that serves nothing, {@link PreconditionProbe#NONE}, so a guarded grant fails closed.
     */
    private volatile PreconditionProbe preconditionProbe = PreconditionProbe.NONE;
    /** The domain a reload replaced; closed at the next reload or at shutdown, once its requests are long done. */
    private Domain retired;
    /** Counters, timers and gauges for {@code /metrics}; {@link AirlockMetrics#off()} with {@code serve --no-metrics}. */
    public final AirlockMetrics metrics;
    /**
     * The PostgreSQL store itself when state is shared (several replicas), else null: {@link #store} may be the
     * metrics' wrapper around it, and the replica-only features (policy announcements) need the store itself.
     */
    private final PgStateStore database;

    private Airlock(AirlockConfig config, Policy policy, Providers providers, String policyHash, StateStore durable,
                    StorageHealth storage, AuditTrail log, AuditKey auditKey, KeyRing keys, SecretBox box,
                    SecureRandom random, AirlockMetrics metrics) {
        this.storage = storage;
        this.config = config;
        this.metrics = metrics;
        this.store = metrics.timeWrites(durable);
        this.database = durable instanceof PgStateStore pg ? pg : null;
        StateStore store = this.store;
        this.audit = log;
        this.auditKey = auditKey;
        // Decisions are counted from the audit stream, once durable; labels only from the current policy's names.
        AuditSink counted = metrics.countDecisions(log, () -> this.domain.policy, () -> this.domain.providers);
        this.refusals = new RecentRefusals(counted, config.clock());
        AuditSink audit = refusals;
        this.keys = keys;
        // Each distinct token's signature is verified once (bounded cache); lifetime, revocation, freezes and grant
        // uses are still checked on every call (see VerifiedTokenCache).
        this.verifier = new TokenVerifier(keys, config.issuer(), config.clock(), new VerifiedTokenCache());
        this.freshReads = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "airlock-refresh-on-miss");
            t.setDaemon(true);
            return t;
        });
        // Real elapsed time, not the configured clock: the interval bounds work per second of the machine's time.
        RefreshOnMiss fresh = new RefreshOnMiss(store::refresh, Ticker.SYSTEM, RefreshOnMiss.MIN_INTERVAL,
                (task, delayNanos) -> freshReads.schedule(task, delayNanos, java.util.concurrent.TimeUnit.NANOSECONDS));
        this.ops = new OpsAccounts(store, box, audit, config.clock(), random);
        this.passkeys = new Passkeys(store, audit, config.clock(), random, config.issuer());
        this.sessions = new OpsSessions(config.clock(), random, store::opsAccount,
                database != null ? database.sessions() : dev.airlock.core.ops.SessionStore.LOCAL);
        this.shared = new Domain.Shared(config, store, audit, log, keys, verifier, ops, passkeys,
                new FailureThrottle(FailureThrottle.Limits.PER_CLIENT, config.clock()),
                new FailureThrottle(FailureThrottle.Limits.PER_ADDRESS, config.clock()), fresh, random,
                (provider, target) -> preconditionProbe.get(provider, target),
                // Shared by every domain: a policy reload keeps the identity providers' cached keys and fetch limits.
                new dev.airlock.core.identity.IssuerKeys(new JwksFetcher(), config.clock()));
        this.domain = new Domain(policy, providers, policyHash, shared);
        metrics.watch(this.store, this::policyHash);
        java.util.function.Supplier<java.util.Optional<PgStateStore.PolicyAnnouncement>> announced =
                database != null ? database::policyAnnounced : java.util.Optional::empty;
        this.follower = new PolicyFollower(announced, this::policyHash, config.policyDir(), () -> reloadPolicy(false));
    }

    /** Called by the HTTP server at start: from now on preconditions are evaluated through {@code probe}. */
    public void usePreconditionProbe(PreconditionProbe probe) {
        this.preconditionProbe = java.util.Objects.requireNonNull(probe, "probe");
    }

    /** The policy-dependent services now; take it once per request and use only it. */
    public Domain domain() {
        return domain;
    }

    /**
     * The policy hash another replica announced, when it differs from the one served here (this replica's folder
     * yields another policy): readiness reports it and answers not ready. Empty on the file store.
     */
    public java.util.Optional<String> policyHashAnnouncedElsewhere() {
        return follower.differing();
    }

    /** Reloads this replica's folder when another replica announced a policy reload; see {@link PolicyFollower}. */
    public void followAnnouncedPolicy() throws IOException {
        follower.follow();
    }

    /** The PostgreSQL store when state is shared by several replicas; empty with the embedded files. */
    public java.util.Optional<PgStateStore> database() {
        return java.util.Optional.ofNullable(database);
    }

    /** The hash of the policy served now ({@link PolicyHash}), for readiness and metrics. */
    public String policyHash() {
        return domain.policyHash;
    }

    /**
     * Reads the policy folder again (policy and providers) and, if it loads, serves it from now on: the event
     * {@code policy.reloaded} (hash before and after) is written first, then the new domain is swapped in. If it does
     * not load, nothing changes and {@code policy.reload_refused} records why; the problems are logged and returned.
     * Called by the SIGHUP handler and by {@code airlock policy reload} (through the server's refresh); one at a time.
     */
    public PolicyReload reloadPolicy() {
        return reloadPolicy(true);
    }

    /**
     * As {@link #reloadPolicy()}; {@code announce} false when this replica follows another's announcement (its own
     * swap is audited, with {@code following}, but not announced again).
     */
    synchronized PolicyReload reloadPolicy(boolean announce) {
        String before = domain.policyHash;
        Path dir = config.policyDir();
        List<String> problems;
        try {
            String hash = PolicyHash.of(dir);
            Policy policy = PolicyLoader.load(dir);
            Providers providers = ProviderLoader.load(dir.resolve("providers"), policy);
            // The hash must name what was loaded: an editor saving between the two reads would otherwise make
            // replicas report the same hash for different policies.
            if (!hash.equals(PolicyHash.of(dir))) {
                problems = List.of(dir + ": the policy changed while it was being read; reload again");
            } else {
                AuditEvent reloaded = AuditEvent.of("policy.reloaded").with("policy_hash_before", before)
                        .with("policy_hash", hash).with("following", announce ? null : true).build();
                // On PostgreSQL the event and the announcement commit together: every replica then reloads its own
                // folder (issue 14); a replica that follows only records its own swap.
                if (announce && database != null) database.announcePolicy(hash, reloaded).join();
                else refusals.append(reloaded).join();
                Domain old = domain;
                domain = new Domain(policy, providers, hash, shared);
                if (retired != null) retired.close();
                retired = old;
                PolicyReload done = new PolicyReload(true, before, hash, List.of());
                LOG.info(done.describe());
                return done;
            }
        } catch (PolicyException e) {
            problems = e.problems().stream().map(Object::toString).toList();
        } catch (IOException e) {
            problems = List.of(dir + ": " + PrivateFiles.explain(e));
        } catch (RuntimeException e) {
            // The audit log could not be written: the new policy must not serve without its record.
            problems = List.of("the audit log could not be written (" + e.getMessage() + "); the policy was not swapped");
        }
        PolicyReload refused = new PolicyReload(false, before, before, problems);
        LOG.warning(refused.describe());
        String reason = String.join("; ", problems);
        if (reason.length() > MAX_REFUSAL_REASON_CHARS) reason = reason.substring(0, MAX_REFUSAL_REASON_CHARS) + "...";
        try {
            refusals.append(AuditEvent.of("policy.reload_refused").with("policy_hash", before)
                    .with("problems", problems.size()).with("reason", reason).build()).join();
        } catch (RuntimeException e) {
            LOG.warning("policy.reload_refused could not be audited: " + e.getMessage());
        }
        return refused;
    }

    /**
     * Advances the key schedule ({@link KeyRing#refresh}): picks up keys another process published, activates a due
     * one, deletes expired ones. Called by the server's periodic refresh.
     */
    public void refreshKeys() throws IOException {
        keys.refresh(refusals);
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
        return open(config, null, AirlockMetrics.on());
    }

    /**
     * As {@link #open(AirlockConfig)}, with the state and the audit log in PostgreSQL when {@code shared} is given
     * (several replicas; issue 14), and the signing keys too ({@link PgKeyStore}). The data directory still holds
     * {@code master.key} (every replica needs the same one); the audit key is the database's too ({@link PgAuditKey}).
     */
    public static Airlock open(AirlockConfig config, PgSettings shared) throws IOException, PolicyException {
        return open(config, shared, AirlockMetrics.on());
    }

    /** With these metrics (closed with this Airlock); {@link AirlockMetrics#off()} measures nothing. */
    public static Airlock open(AirlockConfig config, AirlockMetrics metrics) throws IOException, PolicyException {
        return open(config, null, metrics);
    }

    /** The store of {@code shared} (PostgreSQL) or the data directory's files, and these metrics. */
    public static Airlock open(AirlockConfig config, PgSettings shared, AirlockMetrics metrics)
            throws IOException, PolicyException {
        String policyHash = PolicyHash.of(config.policyDir());
        Policy policy = PolicyLoader.load(config.policyDir());
        Providers providers = ProviderLoader.load(config.policyDir().resolve("providers"), policy);
        // The hash must name what was loaded, as in reloadPolicy: replicas compare it.
        if (!policyHash.equals(PolicyHash.of(config.policyDir()))) {
            throw new IOException(config.policyDir() + ": the policy changed while it was being read; start again");
        }
        SecureRandom random = new SecureRandom();
        Path data = config.dataDir();
        PrivateFiles.createDataDirectory(data);
        PrivateFiles.requireSafeDataDirectory(data);
        SecretBox box = new SecretBox(MasterKey.load(data, config.masterKey(), random), random);
        StorageHealth storage = new StorageHealth();
        if (shared != null) {
            PgStateStore pg = PgStateStore.open(shared.location(), shared.password(), config.clock(),
                    AssertionLimits.DEFAULT, storage, null, null);
            KeyRing keys;
            AuditKey auditKey;
            try {
                // One audit key for the chain, the database's: every replica's checkpoints verify under one pin.
                auditKey = PgAuditKey.openOrCreate(pg, data, box, config.clock(), random);
                pg.signWith(auditKey);
                // The signing keys are the database's, shared by every replica (a first key and its key.activated
                // commit together, once, however many replicas start at the same moment).
                keys = KeyRing.open(new PgKeyStore(pg), box, config.algorithm(), config.clock(), random, pg);
            } catch (IOException | RuntimeException e) {
                pg.close();
                throw e;
            }
            // Recorded in the replicas table, so that --store commands wait until this replica has read their change.
            pg.serveAsReplica(replicaId(random));
            return opened(new Airlock(config, policy, providers, policyHash, pg, storage, pg, auditKey, keys, box,
                    random, metrics), random);
        }
        KeyRing keys = KeyRing.open(data, box, config.algorithm(), config.clock(), random);
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
            if (keys.createdFirstKey()) {
                audit.append(AuditEvent.of("key.activated").with("kid", keys.active().kid())
                        .with("alg", keys.active().algorithm().getName()).with("first", true).build()).join();
            }
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
        return opened(new Airlock(config, policy, providers, policyHash, store, storage, audit, auditKey, keys, box,
                random, metrics), random);
    }

    /** Names this process among the replicas: host, process id and a random part (several in one JVM in tests). */
    private static String replicaId(SecureRandom random) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid() + "/" + Integer.toHexString(random.nextInt(0x10000));
    }

    /** The last step of opening: an algorithm switch {@code serve --alg} asked for; closes the instance on failure. */
    private static Airlock opened(Airlock airlock, SecureRandom random) throws IOException {
        try {
            airlock.switchAlgorithmIfAsked(airlock.config.algorithm(), random);
        } catch (IOException | RuntimeException e) {
            airlock.close();
            throw e;
        }
        return airlock;
    }

    /**
     * {@code serve --alg} names another algorithm than the signing key's: rotate to it the safe way (published now,
     * signing after the publication delay), never by signing at once with a key no verifier has seen. Nothing to do
     * if a key of that algorithm is already pending.
     */
    private void switchAlgorithmIfAsked(JWSAlgorithm wanted, SecureRandom random) throws IOException {
        if (keys.active().algorithm().equals(wanted)) return;
        for (KeySchedule.Status s : keys.statuses()) {
            if (s.state() == KeyState.NEXT) {
                if (!s.key().algorithm().equals(wanted)) {
                    LOG.warning("--alg " + wanted + " ignored: a rotation to " + s.key().algorithm() + " is pending");
                }
                return;
            }
        }
        try {
            KeyRotation.publish(keys, wanted, KeySchedule.DEFAULT_PUBLICATION_DELAY, config.clock(), random, refusals);
            keys.refresh(refusals);
        } catch (KeyRotation.Refused e) {
            throw new IOException("cannot switch the signing algorithm to " + wanted + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        try {
            freshReads.shutdownNow();
            Domain d = domain;
            if (retired != null) retired.close();
            d.close();
            audit.close();
        } finally {
            store.close();
            metrics.close();
        }
    }
}
