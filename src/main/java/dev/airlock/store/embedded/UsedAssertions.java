package dev.airlock.store.embedded;

import dev.airlock.core.store.AssertionLimits;
import dev.airlock.core.store.Retention;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The client-assertion ids seen and not yet forgotten, per client, under {@link AssertionLimits} (RFC 7523 §3: an
 * assertion is used once). An id is kept until {@link Retention} allows forgetting it: past its assertion's
 * {@code exp} by the tolerated clock step, in wall-clock and in monotonic time, so that no clock step makes a used
 * assertion usable again.
 *
 * <p>Purging takes the head of a queue ordered by {@code exp} while the head may be forgotten, so a request pays
 * O(log n) for its own entry and for each entry it purges, never a scan of all of them; the caps then count only
 * remembered ids. (An entry behind a head that must still be held waits for it: held a little longer, never less.)
 * Each client also has such a queue, so a client at its cap is told when its first slot frees. One entry is one
 * small object (its id string is shared by the map and both queues; no boxed numbers).
 *
 * <p>One monitor guards it all: the critical section is a few map and heap operations, small beside the fsync each
 * recorded id then waits for.
 */
final class UsedAssertions {

    private static final Comparator<Used> BY_EXP = Comparator.comparingLong(u -> u.exp);

    /** {@code holdUntil}: the monotonic time before which it is kept ({@link Retention#holdUntil}). */
    private record Used(Client owner, String jti, long exp, long holdUntil) {
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
    private final Retention retention;
    private final HashMap<String, Client> clients = new HashMap<>();
    private final PriorityQueue<Used> byExp = new PriorityQueue<>(BY_EXP);
    private int total;
    /** Ids purged since the last drain, when tracked (a shared store deletes their rows); null otherwise. */
    private List<StateOp> forgotten;

    UsedAssertions(AssertionLimits limits, Retention retention) {
        this.limits = limits;
        this.retention = retention;
    }

    /**
     * Records the id if unseen (or forgotten): true. False, recording nothing, if the client used it and it is still
     * remembered (a replay; checked before the caps, so a replay is reported as one even at a cap).
     *
     * @throws AssertionLimits.Reached if recording it would pass a cap; nothing is recorded
     */
    synchronized boolean reserve(String clientId, String jti, long exp, Retention.Reading now) {
        purge(now);
        Client c = clients.get(clientId);
        if (c != null && c.byJti.containsKey(jti)) return false;
        if (c != null && c.byJti.size() >= limits.perClient()) {
            throw new AssertionLimits.Reached(false, limits.perClient(), untilFirstSlot(c.byExp, now));
        }
        if (total >= limits.total()) {
            throw new AssertionLimits.Reached(true, limits.total(), untilFirstSlot(byExp, now));
        }
        add(clientId, jti, exp, retention.holdUntil(exp, now));
        return true;
    }

    /**
     * Applies a recorded id read from the journal or a snapshot, whatever the caps: it was accepted once, and
     * forgetting it would allow its replay. Over a cap (lowered since, or on restart), new ids wait until enough expire.
     */
    synchronized void remember(String clientId, String jti, long exp) {
        Client c = clients.get(clientId);
        Used seen = c == null ? null : c.byJti.get(jti);
        if (seen != null && seen.exp >= exp) return;
        long hold = retention.holdUntil(exp, retention.read());
        add(clientId, jti, exp, seen == null || hold - seen.holdUntil > 0 ? hold : seen.holdUntil);
    }

    private void add(String clientId, String jti, long exp, long holdUntil) {
        Client c = clients.computeIfAbsent(clientId, Client::new);
        Used u = new Used(c, jti, exp, holdUntil);
        if (c.byJti.put(jti, u) == null) total++;
        c.byExp.add(u);
        byExp.add(u);
    }

    /**
     * Forgets ids {@link Retention} allows to forget: their assertions expired long enough ago, by both clocks, that
     * no tolerated clock step makes them valid again (an expired assertion is refused on its own).
     */
    synchronized void purge(Retention.Reading now) {
        Used u;
        while ((u = byExp.peek()) != null && forgettable(u, now)) {
            byExp.poll();
            Client c = u.owner;
            if (u.live()) {
                c.byJti.remove(u.jti);
                total--;
                if (forgotten != null) forgotten.add(new StateOp.Assertion(c.id, u.jti, u.exp));
            }
            // The client's queue holds the same entries: the ones gone from the map (or replaced) leave it too.
            Used v;
            while ((v = c.byExp.peek()) != null && (!v.live() || forgettable(v, now))) {
                c.byExp.poll();
                if (v.live()) {
                    c.byJti.remove(v.jti);
                    total--;
                    if (forgotten != null) forgotten.add(new StateOp.Assertion(c.id, v.jti, v.exp));
                }
            }
            if (c.byJti.isEmpty() && clients.get(c.id) == c) clients.remove(c.id);
        }
    }

    private boolean forgettable(Used u, Retention.Reading now) {
        return retention.mayForget(u.exp, u.holdUntil, now);
    }

    /** Until the first remembered id in the queue may be forgotten. */
    private Duration untilFirstSlot(PriorityQueue<Used> queue, Retention.Reading now) {
        while (!queue.isEmpty() && !queue.peek().live()) queue.poll();
        if (queue.isEmpty()) return Duration.ofSeconds(1);
        Used first = queue.peek();
        return retention.untilForgettable(first.exp, first.holdUntil, now);
    }

    synchronized void trackForgotten() {
        if (forgotten == null) forgotten = new ArrayList<>();
    }

    /** The ids purged since the last call (none if not tracked). */
    synchronized List<StateOp> drainForgotten() {
        if (forgotten == null || forgotten.isEmpty()) return List.of();
        List<StateOp> out = forgotten;
        forgotten = new ArrayList<>();
        return out;
    }

    synchronized int size() {
        return total;
    }

    /**
     * Every remembered id, one op each: part of a snapshot. Expired or not: one the clocks do not yet allow to forget
     * must survive a restart too.
     */
    synchronized List<StateOp> liveOps() {
        List<StateOp> ops = new ArrayList<>(total);
        for (Client c : clients.values()) {
            for (Used u : c.byJti.values()) ops.add(new StateOp.Assertion(c.id, u.jti, u.exp));
        }
        return ops;
    }
}
