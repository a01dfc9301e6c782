package dev.airlock.store.postgres;

import dev.airlock.core.journal.StorageHealth;
import dev.airlock.core.store.StateChange;
import dev.airlock.store.embedded.StateMemory;
import dev.airlock.store.embedded.StateOp;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Each {@link StateChange} as SQL: the statement run inside the writing transaction (given the change's sequence),
 * what it does to the mirror once committed, and, for a versioned record, how to re-read the winner after a lost
 * compare-and-set. The compare-and-set is one statement: {@code INSERT ... ON CONFLICT DO NOTHING} for version 1,
 * {@code UPDATE ... WHERE id = $1 AND version = $2 - 1} after it; one row changed means the save won.
 */
final class PgWrites implements StateChange.Cases<PgWrites.Write> {

    /** Aborts the transaction of a lost compare-and-set (rolled back: no event). */
    static final class LostSave extends RuntimeException {
        LostSave() {
            super("lost a race: the record changed since it was read", null, false, false);
        }
    }

    record Write(BiFunction<SqlConnection, Long, Future<Boolean>> statement, Runnable toMemory,
                 Function<Pool, Future<Void>> reread, boolean versioned) {
        Object result(boolean won) {
            return versioned ? (Object) won : null;
        }
    }

    private final StateMemory memory;

    PgWrites(StateMemory memory) {
        this.memory = memory;
    }

    private static final Function<Pool, Future<Void>> NOTHING = pool -> Future.succeededFuture();

    @Override
    public Write revoke(StateChange.Revoke c) {
        long exp = c.expiresAt().getEpochSecond();
        return new Write((conn, seq) -> one(conn, "INSERT INTO revocations (jti, expires_at, seq) VALUES ($1, $2, $3)"
                        + " ON CONFLICT (jti) DO UPDATE SET expires_at = GREATEST(revocations.expires_at,"
                        + " EXCLUDED.expires_at), seq = EXCLUDED.seq", Tuple.of(c.jti(), exp, seq)),
                () -> memory.apply(new StateOp.Revoke(c.jti(), exp)), NOTHING, false);
    }

    @Override
    public Write freeze(StateChange.Freeze c) {
        return new Write((conn, seq) -> one(conn, "INSERT INTO frozen_environments (environment, frozen, seq)"
                        + " VALUES ($1, $2, $3) ON CONFLICT (environment) DO UPDATE SET frozen = EXCLUDED.frozen,"
                        + " seq = EXCLUDED.seq", Tuple.of(c.environment(), c.frozen(), seq)),
                () -> memory.apply(new StateOp.Freeze(c.environment(), c.frozen())), NOTHING, false);
    }

    @Override
    public Write agentSecret(StateChange.AgentSecret c) {
        return new Write((conn, seq) -> one(conn, "INSERT INTO agent_secrets (agent_id, sha256_hex, seq)"
                        + " VALUES ($1, $2, $3) ON CONFLICT (agent_id) DO UPDATE SET sha256_hex = EXCLUDED.sha256_hex,"
                        + " seq = EXCLUDED.seq", Tuple.of(c.agentId(), c.sha256Hex(), seq)),
                () -> memory.apply(new StateOp.Secret(c.agentId(), c.sha256Hex())), NOTHING, false);
    }

    /** One row per agent ({@code V5}); an enable keeps the row with {@code disabled = false}. */
    @Override
    public Write agentDisabled(StateChange.AgentDisabled c) {
        return new Write((conn, seq) -> one(conn, "INSERT INTO agent_states (agent_id, disabled, tokens_void_until, seq)"
                        + " VALUES ($1, $2, NULL, $3) ON CONFLICT (agent_id) DO UPDATE SET disabled = EXCLUDED.disabled,"
                        + " seq = EXCLUDED.seq", Tuple.of(c.agentId(), c.disabled(), seq)),
                () -> memory.apply(new StateOp.AgentDisabled(c.agentId(), c.disabled())), NOTHING, false);
    }

    /** GREATEST: the void instant only moves forward, whichever replica's clock wrote last. */
    @Override
    public Write agentTokensVoid(StateChange.AgentTokensVoid c) {
        long second = c.notBefore().getEpochSecond();
        return new Write((conn, seq) -> one(conn, "INSERT INTO agent_states (agent_id, disabled, tokens_void_until, seq)"
                        + " VALUES ($1, false, $2, $3) ON CONFLICT (agent_id) DO UPDATE SET tokens_void_until ="
                        + " GREATEST(coalesce(agent_states.tokens_void_until, EXCLUDED.tokens_void_until),"
                        + " EXCLUDED.tokens_void_until), seq = EXCLUDED.seq", Tuple.of(c.agentId(), second, seq)),
                () -> memory.apply(new StateOp.AgentTokensVoid(c.agentId(), second)), NOTHING, false);
    }

    @Override
    public Write saveGrant(StateChange.SaveGrant c) {
        StateOp.SaveGrant asRead = (StateOp.SaveGrant) readBack(new StateOp.SaveGrant(c.grant()));
        String id = c.grant().id();
        long version = asRead == null ? 0 : asRead.grant().version();
        String json = asRead == null ? null : asRead.toJson();
        boolean fin = asRead != null && asRead.grant().status().isFinal();
        return new Write((conn, seq) -> asRead == null ? unjournalable() : version == 1
                ? one(conn, "INSERT INTO grants (id, version, final, record, seq) VALUES ($1, 1, $2, $3, $4)"
                + " ON CONFLICT (id) DO NOTHING", Tuple.of(id, fin, json, seq))
                : one(conn, "UPDATE grants SET version = $2, final = $3, record = $4, seq = $5"
                + " WHERE id = $1 AND version = $2 - 1", Tuple.of(id, version, fin, json, seq)),
                () -> memory.apply(asRead), pool -> reread(pool, "grants", id), true);
    }

    @Override
    public Write saveOpsAccount(StateChange.SaveOpsAccount c) {
        StateOp.SaveOps asRead = (StateOp.SaveOps) readBack(new StateOp.SaveOps(c.account()));
        String id = c.account().name();
        long version = asRead == null ? 0 : asRead.account().version();
        String json = asRead == null ? null : asRead.toJson();
        return new Write((conn, seq) -> asRead == null ? unjournalable() : version == 1
                ? one(conn, "INSERT INTO ops_accounts (id, version, record, seq) VALUES ($1, 1, $2, $3)"
                + " ON CONFLICT (id) DO NOTHING", Tuple.of(id, json, seq))
                : one(conn, "UPDATE ops_accounts SET version = $2, record = $3, seq = $4"
                + " WHERE id = $1 AND version = $2 - 1", Tuple.of(id, version, json, seq)),
                () -> memory.apply(asRead), pool -> reread(pool, "ops_accounts", id), true);
    }

    /** The count cap on finished grants: only a grant still final is deleted, so a racing save is never lost. */
    @Override
    public Write forgetGrants(StateChange.ForgetGrants c) {
        String[] ids = c.ids().toArray(String[]::new);
        return new Write((conn, seq) -> conn.preparedQuery("DELETE FROM grants WHERE id = ANY($1) AND final")
                .execute(Tuple.tuple().addArrayOfString(ids)).map(rows -> true), () -> memory.forgetGrants(c.ids()), NOTHING, false);
    }

    private static Future<Boolean> one(SqlConnection conn, String sql, Tuple args) {
        return conn.preparedQuery(sql).execute(args).map(rows -> rows.rowCount() == 1);
    }

    /** The record as every replica will read it back (the JSON keeps instants to the millisecond), or null. */
    private static StateOp readBack(StateOp op) {
        try {
            return StateOp.parse(op.toJson());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Future<Boolean> unjournalable() {
        return Future.failedFuture(new IllegalArgumentException("record cannot be stored: a required field is null"));
    }

    private Future<Void> reread(Pool pool, String table, String id) {
        return pool.preparedQuery("SELECT record FROM " + table + " WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> {
                    for (Row r : rows) memory.apply(StateOp.parse(r.getString("record")));
                    return (Void) null;
                }).otherwise((Void) null);
    }

    /** A query's outcome as the caller sees it: a storage fault as {@code StorageUnavailable}, recorded in health. */
    static <T> CompletableFuture<T> completed(Future<T> query, StorageHealth health) {
        CompletableFuture<T> out = new CompletableFuture<>();
        query.onComplete(done -> {
            if (done.succeeded()) {
                health.cleared(PgFaults.NAME, StorageHealth.Condition.WRITE_FAILED);
                out.complete(done.result());
            } else {
                out.completeExceptionally(PgFaults.classify(done.cause(), health,
                        StorageHealth.Condition.WRITE_FAILED));
            }
        });
        return out;
    }
}
