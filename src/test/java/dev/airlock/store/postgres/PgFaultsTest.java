package dev.airlock.store.postgres;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.VertxException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Which failures are an outage (503, not ready, recover by itself) and which are answers. The transport failure here is
 * the one a real run met while PostgreSQL restarted: unclassified, it answered 500 on {@code /oauth2/token}.
 */
class PgFaultsTest {
    @Test
    void theClientsConnectionClosedFailureIsAnOutageEvenWrapped() {
        VertxException closed = new VertxException("Connection is not active now, current status: CLOSED");
        assertTrue(PgFaults.unreachable(closed));
        assertTrue(PgFaults.unreachable(new CompletionException(closed)));
    }

    @Test
    void aProgrammingErrorIsNotAnOutage() {
        assertFalse(PgFaults.unreachable(new IllegalArgumentException("a record that cannot be encoded")));
        assertFalse(PgFaults.unreachable(new NullPointerException()));
    }
}
