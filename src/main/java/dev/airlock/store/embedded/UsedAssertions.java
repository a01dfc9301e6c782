package dev.airlock.store.embedded;

import dev.airlock.core.store.AssertionLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The client-assertion ids seen and not yet expired, per client, under {@link AssertionLimits} (RFC 7523 §3: an
 * assertion is used once). An id is kept until its assertion's {@code exp} (a second included), then purged.
 *
 * <p>Purging takes the head of a queue ordered by {@code exp} until the head is unexpired, so a request pays
 * O(log n) for its own entry and for each entry it purges, never a scan of all of them; the caps then count only
 * unexpired ids. Each client also has such a queue, so a client at its cap is told when its first slot frees.
 * One entry is one small object (its id string is shared by the map and both queues; no boxed numbers).
 *
 * <p>One monitor guards it all: the critical section is a few map and heap operations, small beside the fsync each
 * recorded id then waits for.
 */
final class UsedAssertions {

    private static final Comparator<Used> BY_EXP = Comparator.comparingLong(u -> u.exp);

    private record Used(Client owner, String jti, long exp) {
        /** False once a later line for the same id replaced it (a journal read again with a later exp). */
        boolean live() {
            return owner.byJti.get(jti) == this;
        }
    }

    private static final class Client {
        final String id;
        final HashMap<String, Used> byJti = new HashMap<>();
        final PriorityQueue<Used> byExp = new PriorityQueue<>(BY_EXP);

        Client(String id) {
            this.id = id;
        }
    }

    private final AssertionLimits limits;
    private final HashMap<String, Client> clients = new HashMap<>();
    private final PriorityQueue<Used> byExp = new PriorityQueue<>(BY_EXP);
    private int total;

    UsedAssertions(AssertionLimits limits) {
        this.limits = limits;
    }

    /**
     * Records the id if unseen (or expired): true. False, recording nothing, if the client used it and it has not
     * expired (a replay; checked before the caps, so a replay is reported as one even at a cap).
     *
     * @throws AssertionLimits.Reached if recording it would pass a cap; nothing is recorded
     */
    synchronized boolean reserve(String clientId, String jti, long exp, long nowSeconds) {
        purge(nowSeconds);
        Client c = clients.get(clientId);
        if (c != null && c.byJti.containsKey(jti)) return false;
        if (c != null && c.byJti.size() >= limits.perClient()) {
            throw new AssertionLimits.Reached(false, limits.perClient(), untilFirstExpiry(c.byExp, nowSeconds));
        }
        if (total >= limits.total()) {
            throw new AssertionLimits.Reached(true, limits.total(), untilFirstExpiry(byExp, nowSeconds));
        }
        add(clientId, jti, exp);
        return true;
    }

    /**
     * Applies a recorded id read from the journal or a snapshot, whatever the caps: it was accepted once, and
     * forgetting it would allow its replay. Over a cap (lowered since, or on restart), new ids wait until enough expire.
     */
    synchronized void remember(String clientId, String jti, long exp) {
        Client c = clients.get(clientId);
        Used seen = c == null ? null : c.byJti.get(jti);
        if (seen == null || seen.exp < exp) add(clientId, jti, exp);
    }

    private void add(String clientId, String jti, long exp) {
        Client c = clients.computeIfAbsent(clientId, Client::new);
        Used u = new Used(c, jti, exp);
        if (c.byJti.put(jti, u) == null) total++;
        c.byExp.add(u);
        byExp.add(u);
    }

    /** Forgets ids whose assertions expired (exp &lt; now): an expired assertion is refused on its own. */
    synchronized void purge(long nowSeconds) {
        Used u;
        while ((u = byExp.peek()) != null && u.exp < nowSeconds) {
            byExp.poll();
            Client c = u.owner;
            if (u.live()) {
                c.byJti.remove(u.jti);
                total--;
            }
            // The client's queue holds the same entries in the same order: its expired head goes too.
            Used v;
            while ((v = c.byExp.peek()) != null && v.exp < nowSeconds) c.byExp.poll();
            if (c.byJti.isEmpty() && clients.get(c.id) == c) clients.remove(c.id);
        }
    }

    /** Until the earliest unexpired id in the queue expires, and a second more (an id is kept through its exp). */
    private static Duration untilFirstExpiry(PriorityQueue<Used> queue, long nowSeconds) {
        while (!queue.isEmpty() && !queue.peek().live()) queue.poll();
        long first = queue.isEmpty() ? nowSeconds : queue.peek().exp;
        return Duration.ofSeconds(Math.max(1, first + 1 - nowSeconds));
    }

    synchronized int size() {
        return total;
    }

    /** Every unexpired id, one op each: part of a snapshot. */
    synchronized List<StateOp> liveOps(long nowSeconds) {
        List<StateOp> ops = new ArrayList<>(total);
        for (Client c : clients.values()) {
            for (Used u : c.byJti.values()) {
                if (u.exp >= nowSeconds) ops.add(new StateOp.Assertion(c.id, u.jti, u.exp));
            }
        }
        return ops;
    }
}
