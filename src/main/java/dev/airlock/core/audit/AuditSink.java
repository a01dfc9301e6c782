package dev.airlock.core.audit;

import java.util.concurrent.CompletableFuture;

/** Where decisions go. The future completes once the event is durable; answer the client only after that. */
public interface AuditSink {
    CompletableFuture<Void> append(AuditEvent event);
}
