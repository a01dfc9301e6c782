package dev.airlock.core.token;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import java.io.IOException;
import java.util.List;

/**
 * Where sealed signing keys live: the seam between the key ring and a store. The embedded store is a folder of files
 * ({@link KeyFolder}); a shared store (PostgreSQL, issue 14) implements the same three calls on a table, and every
 * replica then sees the same schedule. Implementations write each key atomically: a reader sees the old or the new
 * record, never a part.
 */
public interface KeyStore {
    /** Every key stored, in no particular order. */
    List<StoredKey> list() throws IOException;

    /** Stores {@code key}, replacing a stored key of the same kid. */
    void put(StoredKey key) throws IOException;

    /** Removes the key; no error if it is already gone (another process removed it first). */
    void remove(String kid) throws IOException;

    /**
     * Records one schedule transition with its audit events. This default (the key folder of one server) writes the
     * events to {@code audit} first, each durable before the change (a key the log does not know of is a key no one
     * can account for), then the change; it never loses, as one server holds the data directory's lock. A shared
     * store commits the change and its events in one transaction and returns {@code false}, having written neither,
     * when another replica made the transition first.
     */
    default boolean record(KeyChange change, List<AuditEvent> events, AuditSink audit) throws IOException {
        for (AuditEvent e : events) audit.append(e).join();
        if (change instanceof KeyChange.Remove r) remove(r.kid());
        else put(change.key());
        return true;
    }
}
