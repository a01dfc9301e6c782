package dev.airlock.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL per test JVM (zonky's embedded binaries, no Docker), started on first use and stopped at JVM
 * exit; each test gets a fresh database of its own ({@link #freshDatabase}), so tests stay independent while paying
 * for one server start (a few seconds on this machine) instead of one per class.
 */
public final class TestPostgres {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestPostgres() {}

    /** A database no other test uses. */
    public record Database(String host, int port, String name, String user) {
        /** The form {@code airlock serve --store} takes (no password: the embedded server trusts local connections). */
        public String url() {
            return "postgresql://" + host + ":" + port + "/" + name + "?user=" + user;
        }
    }

    public static synchronized Database freshDatabase() {
        EmbeddedPostgres pg = server();
        String name = "airlock_test_" + ProcessHandle.current().pid() + "_" + NEXT.incrementAndGet();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return new Database("127.0.0.1", pg.getPort(), name, "postgres");
    }

    /** Runs SQL as the superuser in {@code db} (for a test's own fault injection: triggers, revoked rights). */
    public static void execute(Database db, String sql) {
        try (Connection c = server().getDatabase("postgres", db.name()).getConnection();
             Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    /** Every row {@code sql} selects in {@code db}, each as its columns' text (null stays null). */
    public static java.util.List<java.util.List<String>> rows(Database db, String sql) {
        try (Connection c = server().getDatabase("postgres", db.name()).getConnection();
             Statement s = c.createStatement(); java.sql.ResultSet r = s.executeQuery(sql)) {
            java.util.List<java.util.List<String>> out = new java.util.ArrayList<>();
            int columns = r.getMetaData().getColumnCount();
            while (r.next()) {
                java.util.List<String> row = new java.util.ArrayList<>(columns);
                for (int i = 1; i <= columns; i++) row.add(r.getString(i));
                out.add(row);
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    private static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
            }
            EmbeddedPostgres started = server;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (IOException ignored) {
                    // the JVM is exiting; the data directory is in the temp folder
                }
            }, "test-postgres-stop"));
        }
        return server;
    }
}
