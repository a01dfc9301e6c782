package dev.airlock.harness;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * The embedded PostgreSQL the tests use, as a process of its own for bench/replicas-load.sh: {@code PORT DIR}, creates
 * database {@code airlock}, prints the settings that bound write throughput (fsync, synchronous_commit, ...) and
 * "ready", and stops when standard input closes (the script holds it open).
 */
public final class PostgresMain {
    private PostgresMain() {}

    public static void main(String[] args) throws Exception {
        EmbeddedPostgres pg = EmbeddedPostgres.builder().setPort(Integer.parseInt(args[0]))
                .setDataDirectory(Path.of(args[1])).setCleanDataDirectory(true).start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE airlock");
            for (String setting : new String[] {"server_version", "fsync", "synchronous_commit", "full_page_writes",
                    "wal_sync_method", "commit_delay", "shared_buffers", "max_connections"}) {
                try (ResultSet r = s.executeQuery("SHOW " + setting)) {
                    r.next();
                    System.out.println("setting " + setting + " = " + r.getString(1));
                }
            }
        }
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the script to close our standard input
        }
        pg.close();
    }
}
