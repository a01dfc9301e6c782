package dev.airlock.store.postgres;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.NoSuchElementException;

/**
 * The PostgreSQL audit chain for {@code airlock audit verify --store}: read only (no migration, no state loaded, no
 * listener), page by page in seq order, as the lines of the audit file would read, so the file's verifier checks it
 * unchanged and memory stays bounded however long the chain is.
 */
public final class PgAuditReader implements AutoCloseable {
    /** Rows fetched per query: about 5 MB at 1 KB a line. */
    static final int PAGE = 5_000;

    private final Vertx vertx;
    private final Pool pool;

    private PgAuditReader(PgLocation location, String password) {
        PgConnectOptions options = new PgConnectOptions().setHost(location.host()).setPort(location.port())
                .setDatabase(location.database()).setUser(location.user())
                .setSslMode(io.vertx.pgclient.SslMode.of(location.sslMode()));
        if (password != null) options.setPassword(password);
        this.vertx = Vertx.vertx();
        this.pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(options).using(vertx).build();
    }

    public static PgAuditReader open(PgSettings settings) {
        return new PgAuditReader(settings.location(), settings.password());
    }

    /** Every line, each followed by a newline, fetched as the stream is read; an I/O error if the database fails. */
    public InputStream lines() {
        return new SequenceInputStream(new Enumeration<InputStream>() {
            private long after = 0;
            private boolean done;
            private InputStream next;

            @Override
            public boolean hasMoreElements() {
                if (next == null && !done) next = fetch();
                return next != null;
            }

            @Override
            public InputStream nextElement() {
                if (!hasMoreElements()) throw new NoSuchElementException();
                InputStream out = next;
                next = null;
                return out;
            }

            private InputStream fetch() {
                StringBuilder page = new StringBuilder();
                int rows = 0;
                try {
                    for (Row r : PgStateStore.await(pool.preparedQuery("SELECT seq, line FROM audit_log WHERE seq > $1"
                                    + " ORDER BY seq LIMIT " + PAGE).execute(Tuple.of(after))
                            .toCompletionStage().toCompletableFuture(), "reading the audit log")) {
                        after = r.getLong(0);
                        page.append(r.getString(1)).append('\n');
                        rows++;
                    }
                } catch (IOException e) {
                    done = true;
                    return new FailingStream(e);
                }
                if (rows < PAGE) done = true;
                return rows == 0 ? null : new ByteArrayInputStream(page.toString().getBytes(StandardCharsets.UTF_8));
            }
        });
    }

    /** Surfaces a database failure in the middle of the chain as the read error it is, not as the chain's end. */
    private static final class FailingStream extends InputStream {
        private final IOException failure;

        FailingStream(IOException failure) {
            this.failure = failure;
        }

        @Override
        public int read() throws IOException {
            throw failure;
        }
    }

    @Override
    public void close() {
        pool.close();
        vertx.close();
    }
}
