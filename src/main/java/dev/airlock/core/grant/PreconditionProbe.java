package dev.airlock.core.grant;

import dev.airlock.core.proxy.PreconditionRequests;
import dev.airlock.core.proxy.Provider;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The one thing a precondition needs from the outside world: "GET this on provider P, with P's real credential, and
 * give me the status and body". The HTTP adapter implements it with Vert.x's client; the core never sees a socket.
 * The agent's token is never involved: Airlock asks on its own account, with the credential only Airlock holds.
 *
 * <p>Every limit is explicit, and enforced by the implementation: at most {@link #MAX_BODY_BYTES} of body and
 * {@link #TIMEOUT} from connecting to the last byte. A probe that cannot answer fails its future with
 * {@link Failed}, whose message is the reason people see (never a credential, never a body).
 */
public interface PreconditionProbe {
    /** An answer larger than this is refused (reading stops there): a listing of backups is kilobytes, not a download. */
    int MAX_BODY_BYTES = 1 << 20;
    /** From the first connection attempt to the last byte of the answer. */
    Duration TIMEOUT = Duration.ofSeconds(5);

    /** In a process without an HTTP server (a CLI command): nothing can be evaluated, so everything fails, closed. */
    PreconditionProbe NONE = (provider, target) -> CompletableFuture.failedFuture(new Failed(
            "no HTTP client in this process: preconditions are evaluated by a running Airlock server"));

    CompletableFuture<Answer> get(Provider provider, PreconditionRequests.Target target);

    /**
     * @param status      the HTTP status
     * @param contentType the Content-Type header, or null
     * @param body        the whole body, at most {@link #MAX_BODY_BYTES}
     */
    record Answer(int status, String contentType, byte[] body) {}

    /** The probe could not get an answer; the message says why, for people and the audit log. */
    final class Failed extends Exception {
        public Failed(String reason) {
            super(reason, null, false, false);
        }
    }
}
