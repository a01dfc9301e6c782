package dev.airlock.harness;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the crash harness was told, and what it only tried. An operation is <em>acknowledged</em> when its answer was
 * a 2xx (for the CLI's freeze and unfreeze: exit 0); after every kill and restart each acknowledged operation must
 * still be in effect. An operation sent without an answer (cut off by the kill) may or may not have happened: it
 * widens what the harness accepts afterwards and is never counted as acknowledged.
 */
public final class CrashLedger {
    /** Operation types, for the counts. */
    public enum Op { MINT, REVOKE, FILE, APPROVE, DENY, CANCEL, REDEEM, USE, FREEZE, UNFREEZE, SIGN_IN }

    public record Token(String jti, String token, long exp) {}

    /** One grant the harness filed (or found), as acknowledged, plus what was attempted without an answer. */
    public static final class Grant {
        public final String id;
        public final String env;
        public final String resource;
        public final int required;
        public final long expiresAt;
        /** Acknowledged approvals, by approver name. */
        public final Set<String> approvals = new LinkedHashSet<>();
        /** pending, approved, denied, cancelled, redeemed: the latest acknowledged state. */
        public String status = "pending";
        /** Operations sent without an answer: approve:NAME, deny, cancel, redeem, use. */
        public final Set<String> attempted = new LinkedHashSet<>();
        public String token;
        public long tokenExp;
        /** The grant token's one use was acknowledged ({@code allowed: true}). */
        public boolean used;
        /** What the server last said, for choosing the next action (not a fact the oracle checks). */
        public String observed = "pending";

        Grant(String id, String env, String resource, int required, long expiresAt) {
            this.id = id;
            this.env = env;
            this.resource = resource;
            this.required = required;
            this.expiresAt = expiresAt;
        }

        /** Statuses the server may report now without having lost an acknowledged operation. */
        public Set<String> allowedStatuses(long nowEpoch) {
            Set<String> ok = new LinkedHashSet<>();
            ok.add(status);
            if (Set.of("denied", "cancelled", "redeemed").contains(status)) return ok;
            boolean approveTried = attempted.stream().anyMatch(a -> a.startsWith("approve:"));
            if (status.equals("pending") && approveTried) ok.add("approved");
            if (attempted.contains("deny")) ok.add("denied");
            if (attempted.contains("cancel")) ok.add("cancelled");
            if (attempted.contains("redeem") && (ok.contains("approved"))) ok.add("redeemed");
            // The pending lifetime ran out (with a little slack for the two clocks being read at different moments).
            if (nowEpoch >= expiresAt - 5) ok.add("expired");
            return ok;
        }

        @Override
        public String toString() {
            return id + " (" + env + " " + resource + ", acknowledged " + status + ", approvals " + approvals
                    + (used ? ", used" : "") + (attempted.isEmpty() ? "" : ", unanswered " + attempted) + ")";
        }
    }

    /** One freeze or unfreeze of {@code dev}, in the order they were run (one at a time). */
    public record Freeze(long seq, boolean frozen, boolean acknowledged) {}

    public final Map<String, Token> minted = new ConcurrentHashMap<>();
    public final Map<String, Token> revoked = new ConcurrentHashMap<>();
    public final Map<String, Grant> grants = Collections.synchronizedMap(new java.util.LinkedHashMap<>());
    public final List<Freeze> freezes = Collections.synchronizedList(new ArrayList<>());
    private final Map<Op, AtomicLong> acknowledged = new ConcurrentHashMap<>();
    private final Map<Op, AtomicLong> unanswered = new ConcurrentHashMap<>();

    public void acknowledged(Op op) {
        acknowledged.computeIfAbsent(op, k -> new AtomicLong()).incrementAndGet();
    }

    public void unanswered(Op op) {
        unanswered.computeIfAbsent(op, k -> new AtomicLong()).incrementAndGet();
    }

    public Map<Op, Long> acknowledgedCounts() {
        Map<Op, Long> out = new TreeMap<>();
        for (Op op : Op.values()) out.put(op, acknowledged.getOrDefault(op, new AtomicLong()).get());
        return out;
    }

    public Map<Op, Long> unansweredCounts() {
        Map<Op, Long> out = new TreeMap<>();
        for (Op op : Op.values()) out.put(op, unanswered.getOrDefault(op, new AtomicLong()).get());
        return out;
    }

    public long acknowledgedTotal() {
        return acknowledged.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /**
     * The state {@code dev} must be in: the last acknowledged freeze or unfreeze, or null when an unacknowledged one
     * came after it (then either state is possible) or there was none.
     */
    public Boolean expectedFrozen() {
        synchronized (freezes) {
            if (freezes.isEmpty()) return false;
            Freeze last = freezes.get(freezes.size() - 1);
            return last.acknowledged() ? last.frozen() : null;
        }
    }

    public List<Grant> grantList() {
        synchronized (grants) {
            return new ArrayList<>(grants.values());
        }
    }
}
