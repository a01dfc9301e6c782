package dev.airlock.core.audit;

import java.util.Optional;

/** The audit log a server writes to: the file ({@link AuditLog}) or the PostgreSQL store's table. */
public interface AuditTrail extends AuditSink, IssuedTokens, AutoCloseable {
    /** The last checkpoint this process made durable, as shipped (one JSON object), if any. */
    Optional<String> lastCheckpoint();

    @Override
    void close();
}
