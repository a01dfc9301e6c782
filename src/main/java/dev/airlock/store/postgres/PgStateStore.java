package dev.airlock.store.postgres;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditKey;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.audit.AuditTrail;
import dev.airlock.core.audit.AuditedChange;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.journal.StorageUnavailable;
import dev.airlock.core.ops.OpsAccount;
import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.AuditedWrites;
import dev.airlock.core.store.Retention;
import dev.airlock.core.store.StateChange;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.store.Ticker;
import dev.airlock.store.embedded.StateMemory;
import dev.airlock.store.embedded.StateOp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link StateStore} of several stateless replicas sharing one PostgreSQL database (issue 14), and its audit log:
 * a change and its audit event commit in one transaction ({@link #apply}), under the chain's lock ({@link PgChain}).
 *
 * <p>Reads never block: every replica keeps a mirror ({@link StateMemory}, the embedded store's, so retention and
 * caps are one rule) loaded at open and kept current by {@link #refresh()}, which re-reads the rows whose change
 * sequence is past the last one seen. {@code NOTIFY airlock_changes} in each writing transaction wakes the other
 * replicas at once ({@link PgListener}); it carries no state, so a notification lost across a reconnect costs
 * nothing: the next refresh reads from the last sequence seen.
 *
 * <p>While PostgreSQL cannot be reached, writes fail with {@link StorageUnavailable} (503 with Retry-After) and the
 * store reports the fault in {@link StorageHealth}: a refresh that fails marks it {@code UNREADABLE}, so decisions too
 * are refused rather than taken on a mirror that may miss a revocation (DESIGN: "never guess"). The pool reconnects
 * by itself; the first refresh that succeeds clears the fault.
 */
public final class PgStateStore implements StateStore, AuditedWrites, AuditTrail {
    private static final Duration PURGE_EVERY = Duration.ofMinutes(1);
    /** How long a blocking {@link #refresh()} or open waits for PostgreSQL; every limit explicit. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private final Vertx vertx;
    private final boolean ownsVertx;
    final Pool pool;
    private final StateMemory memory;
    private final StorageHealth health;
    private final PgChain chain;
    private final PgRefresh refresh;
    private final PgAuditWriter writer;
    private final PgListener listener;
    private final PgWrites writes;
    private final PgSessionStore sessions;
    private final Ticker ticker;
    private volatile boolean signs;
    private volatile boolean appendedSinceCheckpoint;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicBoolean refreshing = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicReference<String> lastCheckpoint =
            new java.util.concurrent.atomic.AtomicReference<>();

    private PgStateStore(Vertx vertx, boolean ownsVertx, PgConnectOptions options, Clock clock,
                         AssertionLimits limits, StorageHealth health, AuditKey key) {
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.health = health;
        this.ticker = Ticker.of(clock);
        this.signs = key != null;
        health.external(PgFaults.NAME);
        // A small pool: writes serialise on the chain's lock anyway, and every replica holds its own.
        this.pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4).setMaxWaitQueueSize(10_000)
                        .setConnectionTimeout((int) WAIT.toSeconds()).setConnectionTimeoutUnit(TimeUnit.SECONDS))
                .with(new io.vertx.core.net.NetClientOptions().setConnectTimeout((int) WAIT.toMillis()))
                .connectingTo(options).using(vertx).build();
        this.memory = new StateMemory(limits, new Retention(clock, ticker));
        memory.trackForgottenAssertions();
        this.writes = new PgWrites(memory);
        this.chain = new PgChain(clock, key);
        this.refresh = new PgRefresh(pool, memory, health, closed::get, ticker);
        this.sessions = new PgSessionStore(this, clock);
        refresh.sessions = sessions;
        this.writer = new PgAuditWriter(pool, chain, health, this::ship);
        this.listener = new PgListener(vertx, options, refresh::readChanges);
    }

    /**
     * Opens the store: migrates the schema (or refuses a newer one), loads the mirror and starts listening. Signs
     * checkpoints with {@code key} when given (a server); the CLI passes none. Blocks up to {@link #WAIT} per step.
     *
     * @param vertx the caller's Vert.x, or null: the store then runs a small one of its own (the CLI)
     */
    public static PgStateStore open(PgLocation location, String password, Clock clock, AssertionLimits limits,
                                    StorageHealth health, AuditKey key, Vertx vertx) throws IOException {
        PgConnectOptions options = new PgConnectOptions().setHost(location.host()).setPort(location.port())
                .setDatabase(location.database()).setUser(location.user())
                .setSslMode(io.vertx.pgclient.SslMode.of(location.sslMode()))
                .setReconnectAttempts(0);
        // Durable before the answer (DESIGN: "a killed process loses nothing it acknowledged"): every session commits
        // synchronously whatever the server's default says (a tuned server, or the tests' embedded one, may say off).
        java.util.Map<String, String> session = new java.util.HashMap<>(options.getProperties());
        session.put("synchronous_commit", "on");
        session.put("application_name", "airlock");
        // The migrations' "CREATE TABLE IF NOT EXISTS" answers every start with a NOTICE that the client logs as a
        // WARNING; only warnings and errors from the server are worth a line.
        session.put("client_min_messages", "warning");
        options.setProperties(session);
        if (password != null) options.setPassword(password);
        boolean owns = vertx == null;
        Vertx v = owns ? Vertx.vertx() : vertx;
        PgStateStore store = new PgStateStore(v, owns, options, clock, limits, health, key);
        try {
            await(PgSchema.migrate(store.pool).toCompletionStage().toCompletableFuture(), "migrating the schema");
            await(store.refresh.readChanges(), "loading the state");
            await(store.listener.start(), "listening for changes");
            if (key != null) await(store.checkpoint(), "signing the lines appended while no server ran");
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    // --- Reads: the mirror. ---

    @Override
    public boolean isRevoked(String jti) {
        return memory.isRevoked(jti);
    }

    @Override
    public boolean isFrozen(String environment) {
        return memory.isFrozen(environment);
    }

    @Override
    public Set<String> frozenEnvironments() {
        return memory.frozenEnvironments();
    }

    @Override
    public Optional<String> agentSecretHash(String agentId) {
        return memory.agentSecretHash(agentId);
    }

    @Override
    public boolean isAgentDisabled(String agentId) {
        return memory.isAgentDisabled(agentId);
    }

    @Override
    public Optional<Instant> agentTokensVoidUntil(String agentId) {
        return memory.agentTokensVoidUntil(agentId);
    }

    @Override
    public Optional<Grant> grant(String id) {
        return memory.grant(id);
    }

    @Override
    public List<Grant> grants() {
        return memory.grants();
    }

    @Override
    public Optional<OpsAccount> opsAccount(String name) {
        return memory.opsAccount(name);
    }

    @Override
    public List<OpsAccount> opsAccounts() {
        return memory.opsAccounts();
    }

    // --- Raw writes (the stores' own and tests'); production changes come through apply(). ---

    @Override
    public CompletableFuture<Void> revoke(String jti, Instant tokenExpiresAt) {
        return write(null, new StateChange.Revoke(jti, tokenExpiresAt));
    }

    @Override
    public CompletableFuture<Void> setFrozen(String environment, boolean frozen) {
        return write(null, new StateChange.Freeze(environment, frozen));
    }

    @Override
    public CompletableFuture<Void> putAgentSecretHash(String agentId, String sha256Hex) {
        return write(null, new StateChange.AgentSecret(agentId, sha256Hex));
    }

    @Override
    public CompletableFuture<Void> setAgentDisabled(String agentId, boolean disabled) {
        return write(null, new StateChange.AgentDisabled(agentId, disabled));
    }

    @Override
    public CompletableFuture<Void> voidAgentTokens(String agentId, Instant notBefore) {
        return write(null, new StateChange.AgentTokensVoid(agentId, notBefore));
    }

    @Override
    public CompletableFuture<Boolean> saveGrant(Grant next) {
        return write(null, new StateChange.SaveGrant(next));
    }

    @Override
    public CompletableFuture<Boolean> saveOpsAccount(OpsAccount next) {
        return write(null, new StateChange.SaveOpsAccount(next));
    }

    @Override
    public void forgetGrants(Collection<String> ids) {
        write(null, new StateChange.ForgetGrants(List.copyOf(ids)));
    }

    /**
     * RFC 7523 §3 across replicas: the primary key (client_id, jti) makes the refusal of a replay one atomic insert,
     * whichever replica sees it. The caps of {@link AssertionLimits} are checked on this replica's mirror first (they
     * bound its heap); an id reserved there whose insert then fails stays burnt, as in the embedded store.
     */
    @Override
    public CompletableFuture<Boolean> recordAssertion(String clientId, String jti, Instant assertionExpiresAt) {
        long exp = assertionExpiresAt.getEpochSecond();
        try {
            if (!memory.reserveAssertion(Objects.requireNonNull(clientId), Objects.requireNonNull(jti), exp)) {
                return CompletableFuture.completedFuture(false);
            }
        } catch (AssertionLimits.Reached full) {
            return CompletableFuture.failedFuture(full);
        }
        // Ids this replica's clocks just let go (reserving purges) leave the table first, so that an id forgotten
        // here is not still refused there; ids only other replicas knew are theirs to delete.
        List<StateOp> forgotten = memory.drainForgottenAssertions();
        Future<?> deleted = forgotten.isEmpty() ? Future.succeededFuture() : PgRefresh.deleteAssertions(pool, forgotten);
        return PgWrites.completed(deleted.compose(d -> pool.preparedQuery("INSERT INTO used_assertions (client_id,"
                + " jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .execute(io.vertx.sqlclient.Tuple.of(clientId, jti, exp))).map(rows -> rows.rowCount() == 1), health);
    }

    // --- Audited writes: the change and its event in one transaction. ---

    @Override
    public AuditedWrites audited(AuditSink audit) {
        return this;
    }

    /**
     * Commits {@code change} and {@code event} in one transaction, or neither. A lost compare-and-set rolls back
     * (no event is written), re-reads the winner into the mirror and completes {@code false}. Any other failure
     * fails with {@link AuditedChange.NotDone}: nothing was changed and nothing recorded (if the connection broke
     * during the commit itself, PostgreSQL may have committed both; never one without the other).
     */
    /** The events go into the change's own transaction, not through the sink {@link #audited} was given. */
    @Override
    public boolean eventsThroughSink() {
        return false;
    }

    @Override
    public <T> CompletableFuture<T> apply(AuditEvent event, StateChange<T> change) {
        return write(Objects.requireNonNull(event), change);
    }

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> write(AuditEvent event, StateChange<T> change) {
        return (CompletableFuture<T>) commit(event == null ? List.of() : List.of(event), change.match(writes));
    }

    /**
     * A change outside the mirror (the signing keys, the audit key: {@link PgKeyStore}) with its events, in one
     * transaction under the chain's lock: completes {@code true} once committed, {@code false} if the statement
     * changed no row (a lost compare-and-set: rolled back, no event).
     */
    CompletableFuture<Boolean> transact(java.util.function.BiFunction<io.vertx.sqlclient.SqlConnection, Long,
            Future<Boolean>> statement, List<AuditEvent> events) {
        return commit(events, new PgWrites.Write(statement, () -> {}, p -> Future.succeededFuture(), true))
                .thenApply(won -> (Boolean) won);
    }

    private CompletableFuture<Object> commit(List<AuditEvent> auditEvents, PgWrites.Write w) {
        List<PgChain.Pending> events = new ArrayList<>();
        try {
            for (AuditEvent e : auditEvents) events.add(PgChain.Pending.of(Objects.requireNonNull(e)));
        } catch (IllegalArgumentException bad) {
            return CompletableFuture.failedFuture(bad);
        }
        List<String> shipped = new ArrayList<>();
        Future<Boolean> tx = pool.withTransaction(conn -> PgChain.lock(conn).compose(head ->
                w.statement().apply(conn, head.changeSeq() + 1).compose(applied -> applied
                        ? chain.append(conn, head, events, true, false, shipped).map(h -> true)
                        : Future.failedFuture(new PgWrites.LostSave()))));
        CompletableFuture<Object> out = new CompletableFuture<>();
        tx.onComplete(done -> {
            if (done.succeeded()) {
                health.cleared(PgFaults.NAME, StorageHealth.Condition.WRITE_FAILED);
                w.toMemory().run();
                if (!events.isEmpty()) appendedSinceCheckpoint = shipped.isEmpty();
                ship(shipped);
                out.complete(w.result(true));
            } else if (done.cause() instanceof PgWrites.LostSave) {
                // The caller's retry must decide on the winner: read it before answering (the contract).
                w.reread().apply(pool).onComplete(r -> out.complete(w.result(false)));
            } else {
                Throwable cause = PgFaults.classify(done.cause(), health, StorageHealth.Condition.WRITE_FAILED);
                out.completeExceptionally(auditEvents.isEmpty() ? cause : new AuditedChange.NotDone("not done: "
                        + PgFaults.reason(cause) + "; neither the change nor its audit event ("
                        + auditEvents.get(0).type() + ") was committed", cause));
            }
        });
        return out;
    }

    // --- The audit log: decisions, group-committed. ---

    /**
     * Completes once the event's line is committed (synchronous commit: durable before the answer). Events queued
     * while a batch commits go in the next batch, one transaction for many events (group commit). Throws
     * {@link IllegalArgumentException} at once for a reserved field name or an unsupported value, as the file does.
     */
    @Override
    public CompletableFuture<Void> append(AuditEvent event) {
        CompletableFuture<Void> durable = writer.append(PgChain.Pending.of(event));
        appendedSinceCheckpoint = true;
        return durable;
    }

    /** Logs each committed checkpoint for a collector to keep off the machine, as the audit file does. */
    private void ship(List<String> checkpoints) {
        PgAuditWriter.ship(checkpoints);
        if (!checkpoints.isEmpty()) lastCheckpoint.set(checkpoints.get(checkpoints.size() - 1));
    }

    @Override
    public Optional<String> lastCheckpoint() {
        return Optional.ofNullable(lastCheckpoint.get());
    }

    /**
     * One scan of the audit table (no index by jti: see {@link dev.airlock.core.audit.IssuedTokens} for the cost),
     * narrowed by the {@code type} column and {@code strpos}, which unlike {@code LIKE} reads no
     * character of the id as a wildcard; each candidate line is then parsed and matched exactly. A database failure
     * fails the answer (503 where it is an outage); it is this caller's, so the replica's health is not marked.
     */
    @Override
    public CompletableFuture<Boolean> issued(String jti) {
        CompletableFuture<Boolean> out = new CompletableFuture<>();
        pool.preparedQuery("SELECT line FROM audit_log WHERE type = ANY($1) AND strpos(line, $2) > 0 LIMIT 16")
                .execute(io.vertx.sqlclient.Tuple.of(
                        dev.airlock.core.audit.IssuedTokens.ISSUANCE_EVENTS.toArray(new String[0]), jti))
                .onComplete(r -> {
                    if (r.failed()) {
                        out.completeExceptionally(PgFaults.classify(r.cause(), new StorageHealth(),
                                StorageHealth.Condition.UNREADABLE));
                        return;
                    }
                    boolean found = false;
                    for (io.vertx.sqlclient.Row row : r.result()) {
                        found |= dev.airlock.core.audit.IssuedTokens.records(row.getString(0), jti);
                    }
                    out.complete(found);
                });
        return out;
    }

    /** Every line of the chain in order, for {@code audit verify --store}. */
    public List<String> auditLines() throws IOException {
        return await(pool.withConnection(PgChain::lines).toCompletionStage().toCompletableFuture(), "reading the log");
    }

    // --- Propagation. ---

    /**
     * Re-reads what other replicas changed since the last change seen (one indexed query per table, or one query of
     * the head when nothing changed); purges what {@link Retention} lets go, at most once a minute. A failure is not
     * thrown: it is in {@link StorageHealth} as {@code UNREADABLE} until a refresh succeeds.
     */
    @Override
    public void refresh() {
        // One caller waits at a time: the server calls this every 250 ms from a worker thread, and while the
        // database does not answer (a blackholed host: up to WAIT), more waiters would only tie up more workers.
        if (!refreshing.compareAndSet(false, true)) return;
        try {
            refresh.readChanges().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException | TimeoutException e) {
            return; // recorded in health by readChanges
        } finally {
            refreshing.set(false);
        }
        refresh.purgeIfDue(ticker, PURGE_EVERY);
    }

    /**
     * Serves as a replica from now on: records in {@code replicas} how far it has read the change feed, so that
     * {@code --store} commands can wait for it ({@link #awaitReplicas}). Called by a server, never by the CLI.
     */
    public void serveAsReplica(String id) throws IOException {
        PgReplicas me = new PgReplicas(pool, id);
        // Registered (at the position of the state loaded at open) before a last read and before serving: a command
        // that commits after the row exists waits for this replica to read it; one that committed before is read by
        // the read below, before this replica answers anything.
        await(me.announce(refresh.lastSeen()).toCompletionStage().toCompletableFuture(), "registering as a replica");
        refresh.replica = me;
        await(refresh.readChanges(), "reading the change feed");
    }

    /**
     * Waits until every live replica has read every change this store knows of (its own writes included), at most
     * {@code timeout}; completes with the replicas still behind then (empty: in effect everywhere).
     */
    public List<PgReplicas.Behind> awaitReplicas(Duration timeout) throws IOException {
        await(refresh.readChanges(), "reading the change feed");
        return await(PgReplicas.await(vertx, pool, refresh.lastSeen(), timeout), "waiting for the replicas");
    }

    /**
     * Reads every change committed before this call (a read that starts after it), blocking up to {@link #WAIT}.
     * Unlike {@link #refresh()}, which returns at once while another refresh runs, this is proof of freshness.
     */
    public void catchUp() throws IOException {
        await(refresh.readChanges(), "reading the change feed");
    }

    /** Since the start of the last re-read of the change feed that completed; grows while the database is away. */
    @Override
    public java.time.Duration propagationLag() {
        return refresh.lag();
    }

    /**
     * From now on signs checkpoints with {@code key} (the shared audit key, read from this store after open:
     * {@link PgAuditKey}), and signs at once what was appended while no server ran.
     */
    public void signWith(AuditKey key) throws IOException {
        chain.signWith(java.util.Objects.requireNonNull(key));
        signs = true;
        await(checkpoint(), "signing the lines appended while no server ran");
    }

    /** The policy replicas are asked to serve: its hash, and the change sequence of the announcement. */
    public record PolicyAnnouncement(String policyHash, long seq) {}

    /** The last policy announced by any replica ({@link #announcePolicy}), as of this replica's last refresh. */
    public Optional<PolicyAnnouncement> policyAnnounced() {
        return Optional.ofNullable(refresh.announced());
    }

    /**
     * Records that this replica now serves the policy {@code hash}, with its {@code policy.reloaded} event, in one
     * transaction: every replica reads the announcement through the change feed and reloads its own folder.
     */
    public CompletableFuture<Void> announcePolicy(String hash, AuditEvent event) {
        java.util.concurrent.atomic.AtomicLong at = new java.util.concurrent.atomic.AtomicLong();
        return transact((conn, seq) -> {
            at.set(seq);
            return conn.preparedQuery("INSERT INTO policy_announcement (id, policy_hash, seq) VALUES (1, $1, $2)"
                    + " ON CONFLICT (id) DO UPDATE SET policy_hash = EXCLUDED.policy_hash, seq = EXCLUDED.seq")
                    .execute(io.vertx.sqlclient.Tuple.of(hash, seq)).map(rows -> rows.rowCount() == 1);
        }, List.of(event)).thenAccept(won -> refresh.announced(new PolicyAnnouncement(hash, at.get())));
    }

    /** The ops sessions every replica shares (issue 14): {@code OpsSessions} mirrors them through this. */
    public dev.airlock.core.ops.SessionStore sessions() {
        return sessions;
    }

    /** The change sequence this replica has read up to. */
    public long lastSeen() {
        return refresh.lastSeen();
    }

    /**
     * A signed checkpoint after the chain's last line, if any line follows the last checkpoint: at open (lines the
     * CLI or a crashed server appended are signed at once, as the audit file does) and at close.
     */
    private CompletableFuture<Void> checkpoint() {
        List<String> shipped = new ArrayList<>();
        return pool.withTransaction(conn -> PgChain.lock(conn).compose(head ->
                        chain.append(conn, head, List.of(), false, true, shipped)))
                .toCompletionStage().toCompletableFuture().thenRun(() -> ship(shipped));
    }

    /** Signs what this replica appended since its last checkpoint, then closes the connections. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            writer.drain().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (signs && appendedSinceCheckpoint) checkpoint().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // Unreachable at exit: the next server's checkpoint covers these lines.
        } finally {
            PgReplicas me = refresh.replica;
            if (me != null) {
                try {
                    me.withdraw().toCompletionStage().toCompletableFuture().get(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    // Not heard from again, it stops being waited for after PgReplicas.LIVE.
                }
            }
            listener.close();
            pool.close();
            if (ownsVertx) vertx.close();
        }
    }

    static <T> T await(CompletableFuture<T> future, String what) throws IOException {
        try {
            return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + what, e);
        } catch (TimeoutException e) {
            throw new IOException("PostgreSQL did not answer within " + WAIT.toSeconds() + " s while " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) throw io;
            throw new IOException("PostgreSQL store: " + what + " failed: " + PgFaults.reason(cause), cause);
        }
    }
}
