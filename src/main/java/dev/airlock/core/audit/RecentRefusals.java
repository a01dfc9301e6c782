package dev.airlock.core.audit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers each agent's latest refusals as they pass to the audit log, so an approver deciding on a grant sees what
 * the agent was refused just before it asked (an agent that was told "belongs to production" and then asks to delete
 * that volume is worth a second look). A decorator: producers need not know it exists. In memory, bounded; the audit
 * log stays the record.
 */
public final class RecentRefusals implements AuditSink {
    public static final int PER_AGENT = 20;
    public static final int MAX_AGENTS = 10_000;

    /**
     * One refusal, as the ops page shows it.
     *
     * @param code the stable refusal code ({@code invalid_scope}, {@code resource_in_other_environment}, ...): what an
     *             approver scans first, before the reason's words
     */
    public record Refusal(String at, String type, String code, String env, String what, String reason) {}

    private final AuditSink delegate;
    private final java.time.Clock clock;
    private final Map<String, Deque<Refusal>> byAgent = new ConcurrentHashMap<>();

    public RecentRefusals(AuditSink delegate, java.time.Clock clock) {
        this.delegate = delegate;
        this.clock = clock;
    }

    @Override
    public CompletableFuture<Void> append(AuditEvent e) {
        CompletableFuture<Void> written = delegate.append(e);
        Refusal r = refusal(e);
        if (r != null) {
            String agent = (String) (e.fields().containsKey("client_id") ? e.fields().get("client_id") : e.fields().get("agent"));
            if (agent != null && (byAgent.size() < MAX_AGENTS || byAgent.containsKey(agent))) {
                Deque<Refusal> q = byAgent.computeIfAbsent(agent, k -> new ArrayDeque<>());
                synchronized (q) {
                    q.addFirst(r);
                    while (q.size() > PER_AGENT) q.removeLast();
                }
            }
        }
        return written;
    }

    /** Newest first. */
    public List<Refusal> of(String agent) {
        Deque<Refusal> q = byAgent.get(agent);
        if (q == null) return List.of();
        synchronized (q) {
            return new ArrayList<>(q);
        }
    }

    /** The refusal {@code e} records, or null; the time is formatted only for a refusal (most events are not). */
    private Refusal refusal(AuditEvent e) {
        Map<String, Object> f = e.fields();
        return switch (e.type()) {
            case "token.refused" -> new Refusal(now(), "token", str(f.get("error")), str(f.get("env")), str(f.get("scope")),
                    str(f.get("reason")));
            case "check" -> Boolean.FALSE.equals(f.get("allowed"))
                    ? new Refusal(now(), "check", str(f.get("code")), str(f.get("env")),
                    str(f.get("action")) + " " + str(f.get("resource")), str(f.get("reason")))
                    : null;
            case "proxy" -> Boolean.FALSE.equals(f.get("allowed"))
                    ? new Refusal(now(), "proxy", str(f.get("code")), str(f.get("env")), str(f.get("provider")) + " "
                    + str(f.containsKey("refused_operation") ? f.get("refused_operation") : f.get("operations"))
                    + (f.containsKey("resources") ? " " + str(f.get("resources")) : ""), str(f.get("reason")))
                    : null;
            case "grant.request_refused" -> new Refusal(now(), "grant", str(f.get("code")), str(f.get("env")),
                    str(f.get("scopes")) + " " + str(f.get("resources")), str(f.get("reason")));
            default -> null;
        };
    }

    private String now() {
        return clock.instant().toString();
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }
}
