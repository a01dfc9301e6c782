package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.core.oauth.GrantGuidance;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Waits for people to decide a grant, the way OpenID CIBA Core §7.3 and §11 ask of a polling client: wait
 * {@code interval} between polls, add 5 seconds after every {@code slow_down}, stop on {@code access_denied},
 * {@code expired_token} or any other error. Progress goes to standard error; the token alone to standard output.
 */
final class GrantPoller {
    /** CIBA §11: after slow_down the interval "MUST be increased by at least 5 seconds for all subsequent requests". */
    static final Duration SLOW_DOWN_STEP = Duration.ofSeconds(5);
    /** A server that cannot be reached this many polls in a row is not coming back soon enough to keep waiting. */
    static final int MAX_TRANSIENT_FAILURES = 3;

    private final AgentAuth auth;
    private final PrintWriter out;
    private final PrintWriter err;

    GrantPoller(AgentAuth auth, PrintWriter out, PrintWriter err) {
        this.auth = auth;
        this.out = out;
        this.err = err;
    }

    /**
     * @param firstWait how long to wait before the first poll (the interval after filing; zero when resuming)
     * @return the exit code: {@link GrantCommand#OK} with the token printed, or one of the refusal codes
     */
    int await(String authReqId, Duration firstWait, Duration interval, Duration timeout) throws CliFailure {
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration wait = firstWait;
        String lastProgress = null;
        int failures = 0;
        while (true) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) return timedOut(authReqId, timeout);
            sleep(Math.min(wait.toNanos(), remaining));
            wait = interval;
            AirlockHttp.Reply r;
            try {
                r = poll(authReqId);
            } catch (CliFailure e) {
                if (e.exitCode != 1 || Thread.currentThread().isInterrupted() || ++failures >= MAX_TRANSIENT_FAILURES) throw e;
                err.println("warning: " + e.getMessage() + "; retrying");
                err.flush();
                continue;
            }
            if (r.status() == 200) return collected(r.body());
            if (r.status() == 429 || r.status() >= 500) {
                if (++failures >= MAX_TRANSIENT_FAILURES) throw new CliFailure(1, "polling failed: " + r.explain());
                if (r.retryAfter().isPresent()) wait = Duration.ofSeconds(Math.max(r.retryAfter().getAsLong(), 1));
                continue;
            }
            failures = 0;
            String error = r.body().path("error").asText("");
            String description = GrantView.clean(r.body().path("error_description").asText(""));
            switch (error) {
                case "authorization_pending" -> {
                    if (!description.equals(lastProgress)) {
                        err.println("pending: " + description);
                        err.flush();
                        lastProgress = description;
                    }
                }
                case "slow_down" -> {
                    interval = interval.plus(SLOW_DOWN_STEP);
                    wait = interval;
                    err.println("slow_down: polling every " + interval.toSeconds() + " s from now on");
                    err.flush();
                }
                case "access_denied" -> {
                    return refused(GrantCommand.DENIED, "grant " + authReqId + " was not approved: " + description);
                }
                case "expired_token" -> {
                    return refused(GrantCommand.EXPIRED, "grant " + authReqId + " expired: " + description);
                }
                default -> {
                    return refused(GrantCommand.FAILED, "cannot collect grant " + authReqId + ": " + r.explain());
                }
            }
        }
    }

    private AirlockHttp.Reply poll(String authReqId) throws CliFailure {
        AgentAuth.TokenEndpointAuth a = auth.forTokenEndpoint();
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", GrantGuidance.CIBA_GRANT_TYPE);
        form.put("auth_req_id", authReqId);
        form.putAll(a.form());
        return auth.http().postForm("/oauth2/token", a.header(), form);
    }

    private int collected(JsonNode token) {
        JsonNode grant = token.path("grant");
        err.println("approved by " + GrantView.list(grant.path("approvers"), ", ") + ": " + GrantView.text(token.path("scope"))
                + " on " + GrantView.list(grant.path("resources"), " ") + " in " + GrantView.text(token.path("environment"))
                + ", " + grant.path("uses").asInt(1) + " use(s) within " + token.path("expires_in").asLong() + " s");
        err.flush();
        out.println(token.path("access_token").asText());
        out.flush();
        return GrantCommand.OK;
    }

    private int refused(int code, String message) {
        err.println(message);
        err.flush();
        return code;
    }

    private int timedOut(String authReqId, Duration timeout) {
        return refused(GrantCommand.TIMED_OUT, "still no decision on grant " + authReqId + " after "
                + GrantCommand.format(timeout) + "; it may still be approved: resume with 'airlock grant wait "
                + authReqId + "', or give up with 'airlock grant cancel " + authReqId + "'");
    }

    private static void sleep(long nanos) throws CliFailure {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure(GrantCommand.FAILED, "interrupted while waiting");
        }
    }
}
