package dev.airlock.harness;

import dev.airlock.testing.TestTotp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Approvers for a server in another process, which runs on the real clock. Airlock accepts a TOTP code of the
 * current 30-second step or one either side, and only for a step later than the last one it accepted for that
 * account (a code is accepted once). So each account has at most two fresh codes at any moment (this step's and the
 * next's: the previous step's is avoided, since the server's clock may have moved on by the time the request
 * arrives), and one more every 30 seconds. A sign-in costs a code, and so does every approval.
 *
 * <p>A step is spent when a request carrying it is <em>sent</em>, answered or not: a request cut off by a kill may
 * have been accepted, and a code reused after that would be refused and count as a failure towards lockout.
 * Sessions live in the server's memory, so a restart ends all of them ({@link #restarted()}).
 */
public final class OpsPool {
    public static final class Account {
        public final HarnessCli.Ops ops;
        long lastStep = Long.MIN_VALUE;
        String session;

        Account(HarnessCli.Ops ops) {
            this.ops = ops;
        }

        public String name() {
            return ops.name();
        }
    }

    private final List<Account> accounts = new ArrayList<>();
    private final Clock clock;
    private int next;

    public OpsPool(List<HarnessCli.Ops> ops, Clock clock) {
        for (HarnessCli.Ops o : ops) accounts.add(new Account(o));
        this.clock = clock;
    }

    public synchronized void restarted() {
        for (Account a : accounts) a.session = null;
    }

    private long step() {
        return Math.floorDiv(clock.instant().getEpochSecond(), 30);
    }

    /** Codes this account can still spend right now. */
    private int available(Account a) {
        long current = step();
        long first = Math.max(a.lastStep + 1, current);
        return (int) Math.max(0, current + 1 - first + 1);
    }

    /** Spends one code of the account: the earliest acceptable step. Null if it has none left now. */
    synchronized String spend(Account a) {
        if (available(a) == 0) return null;
        long s = Math.max(a.lastStep + 1, step());
        a.lastStep = s;
        return TestTotp.code(a.ops.totpSecret(), java.time.Instant.ofEpochSecond(s * 30));
    }

    /**
     * An account, not among {@code exclude}, that can approve now: with a session and a code, or with two codes (one
     * to sign in). Round-robin, so every account's codes get used. Null if none can.
     */
    public synchronized Account approver(Set<String> exclude) {
        for (int k = 0; k < accounts.size(); k++) {
            Account a = accounts.get((next + k) % accounts.size());
            if (exclude.contains(a.name())) continue;
            if (available(a) >= (a.session == null ? 2 : 1)) {
                next = (next + k + 1) % accounts.size();
                return a;
            }
        }
        return null;
    }

    /** An account with a session, or one code to sign in with (for denying: no code needed beyond the sign-in). */
    public synchronized Account denier() {
        for (Account a : accounts) if (a.session != null) return a;
        for (Account a : accounts) if (available(a) >= 1) return a;
        return null;
    }

    synchronized String session(Account a) {
        return a.session;
    }

    synchronized void session(Account a, String token) {
        a.session = token;
    }

    public List<Account> accounts() {
        return List.copyOf(accounts);
    }
}
