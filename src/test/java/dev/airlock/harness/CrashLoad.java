package dev.airlock.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.harness.CrashLedger.Grant;
import dev.airlock.harness.CrashLedger.Op;
import dev.airlock.harness.HarnessClient.Reply;
import dev.airlock.process.AirlockProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One round of mixed load against the server, until it is killed: workers minting tokens and revoking a third of them;
 * one worker taking grants through their lives (file, approve with TOTP, deny, cancel, redeem, use once); one worker
 * freezing and unfreezing {@code dev} with the CLI on the shared data directory. Every answer goes into the
 * {@link CrashLedger}: 2xx as acknowledged, no answer as attempted.
 */
final class CrashLoad {
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);
    /** What {@link #call} answers when the request never left: the connection was refused. */
    private static final Reply NOT_SENT = new Reply(-1, "");
    private static final String[] PRODUCTION_VOLUMES = {"vol-7f3a", "vol-9c1e"};

    private final HarnessClient http;
    private final String basic;
    private final CrashLedger ledger;
    private final OpsPool ops;
    private final Path logs;
    private final Path data;
    private final Path policy;
    private final Random random;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Map<Op, AtomicInteger> inFlight = new EnumMap<>(Op.class);
    private final AtomicInteger freezeSeq;
    private ExecutorService pool;
    private final List<Future<?>> workers = new ArrayList<>();

    CrashLoad(String base, String basic, CrashLedger ledger, OpsPool ops, Path logs, Path data, Path policy, long seed,
              AtomicInteger freezeSeq) {
        this.http = new HarnessClient(base, HTTP_TIMEOUT);
        this.basic = basic;
        this.ledger = ledger;
        this.ops = ops;
        this.logs = logs;
        this.data = data;
        this.policy = policy;
        this.random = new Random(seed);
        this.freezeSeq = freezeSeq;
        for (Op op : Op.values()) inFlight.put(op, new AtomicInteger());
    }

    void start(int minters) {
        pool = Executors.newFixedThreadPool(minters + 2);
        for (int i = 0; i < minters; i++) {
            Random r = new Random(random.nextLong());
            workers.add(pool.submit(() -> mintAndRevoke(r)));
        }
        Random g = new Random(random.nextLong());
        workers.add(pool.submit(() -> grants(g)));
        workers.add(pool.submit(this::freezes));
    }

    /** Requests in flight right now, by operation. */
    Map<Op, Integer> inFlight() {
        Map<Op, Integer> out = new EnumMap<>(Op.class);
        inFlight.forEach((k, v) -> {
            if (v.get() > 0) out.put(k, v.get());
        });
        return out;
    }

    void stopAndJoin() throws Exception {
        stop.set(true);
        pool.shutdown();
        // The freeze worker may be in the middle of a CLI run (up to a minute on a loaded machine); the rest end at once.
        if (!pool.awaitTermination(90, TimeUnit.SECONDS)) throw new AssertionError("load workers did not stop");
        for (Future<?> f : workers) f.get();
    }

    /** The answer, or null when there was none (the server is gone): the operation is then unanswered. */
    private Reply call(Op op, Call c) {
        inFlight.get(op).incrementAndGet();
        try {
            return c.run();
        } catch (java.net.ConnectException e) {
            return NOT_SENT; // nothing listens (the server is dead): nothing was sent, nothing may have happened
        } catch (IOException e) {
            ledger.unanswered(op);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ledger.unanswered(op);
            return null;
        } finally {
            inFlight.get(op).decrementAndGet();
        }
    }

    interface Call {
        Reply run() throws IOException, InterruptedException;
    }

    // --- tokens ---

    private void mintAndRevoke(Random r) {
        while (!stop.get()) {
            Reply m = call(Op.MINT, () -> http.mint(basic, "staging", "db:read"));
            if (m == null || m.status() < 0) {
                pause(50); // the server is down; the round is ending
                continue;
            }
            if (m.status() != 200) continue;
            String token = m.json().path("access_token").asText();
            CrashLedger.Token t = new CrashLedger.Token(HarnessClient.jti(token), token,
                    Jose.payload(token).path("exp").asLong());
            ledger.minted.put(t.jti(), t);
            ledger.acknowledged(Op.MINT);
            if (r.nextInt(3) == 0) {
                Reply v = call(Op.REVOKE, () -> http.revoke(basic, token));
                if (v != null && v.status() == 200) {
                    ledger.revoked.put(t.jti(), t);
                    ledger.acknowledged(Op.REVOKE);
                }
            }
        }
    }

    // --- freezes (the CLI, a process of its own, on the same data directory) ---

    private void freezes() {
        while (!stop.get()) {
            Boolean now = ledger.expectedFrozen();
            boolean freeze = now == null || !now;
            long seq = freezeSeq.incrementAndGet();
            Op op = freeze ? Op.FREEZE : Op.UNFREEZE;
            inFlight.get(op).incrementAndGet();
            boolean ok;
            try {
                AirlockProcess.Result r = AirlockProcess.cli(logs, Map.of(), Duration.ofSeconds(60), "env",
                        freeze ? "freeze" : "unfreeze", "dev", "--data", data.toString(), "--policy", policy.toString());
                ok = r.exit() == 0;
            } catch (Exception | AssertionError e) {
                ok = false;
            } finally {
                inFlight.get(op).decrementAndGet();
            }
            ledger.freezes.add(new CrashLedger.Freeze(seq, freeze, ok));
            if (ok) ledger.acknowledged(op);
            else ledger.unanswered(op);
            pause(200);
        }
    }

    // --- grants ---

    private void grants(Random r) {
        while (!stop.get()) {
            pause(30 + r.nextInt(120));
            try {
                grantStep(r);
            } catch (RuntimeException e) {
                // A malformed answer from a dying server; the next step starts over.
                if (!stop.get()) throw e;
            }
        }
    }

    private void grantStep(Random r) {
        List<Grant> all = ledger.grantList();
        // Finish what is under way first: use a redeemed token, redeem an approved grant.
        for (Grant g : all) {
            if (g.token != null && !g.used && !g.attempted.contains("use")) {
                use(g);
                return;
            }
        }
        for (Grant g : all) {
            if (g.observed.equals("approved") && g.token == null && !g.attempted.contains("redeem")) {
                redeem(g);
                return;
            }
        }
        List<Grant> pending = all.stream().filter(g -> g.observed.equals("pending")).toList();
        int pick = r.nextInt(100);
        if (!pending.isEmpty() && pick < 60) {
            Grant g = pending.get(r.nextInt(pending.size()));
            Set<String> exclude = new HashSet<>(g.approvals);
            g.attempted.stream().filter(a -> a.startsWith("approve:")).forEach(a -> exclude.add(a.substring(8)));
            OpsPool.Account who = ops.approver(exclude);
            if (who != null) {
                approve(g, who);
                return;
            }
        }
        if (!pending.isEmpty() && pick >= 60 && pick < 70) {
            deny(pending.get(r.nextInt(pending.size())));
            return;
        }
        if (!pending.isEmpty() && (pick >= 70 && pick < 80 || pending.size() >= 4)) {
            cancel(pending.get(r.nextInt(pending.size())));
            return;
        }
        file(r);
    }

    private void file(Random r) {
        boolean production = r.nextInt(10) < 3;
        String env = production ? "production" : "staging";
        String resource = production ? PRODUCTION_VOLUMES[r.nextInt(2)] : "vol-7f3a-stg";
        Reply f = call(Op.FILE, () -> http.fileGrant(basic, env, "volume:delete", resource));
        if (f == null) return;
        if (f.status() == 429) {
            unclog();
            return;
        }
        if (f.status() != 201) return;
        JsonNode j = f.json();
        long created = java.time.Instant.now().getEpochSecond();
        Grant g = new Grant(j.path("auth_req_id").asText(), env, resource, j.path("approvals_required").asInt(),
                created + j.path("expires_in").asLong());
        ledger.grants.put(g.id, g);
        ledger.acknowledged(Op.FILE);
    }

    private void approve(Grant g, OpsPool.Account who) {
        String session = session(who);
        if (session == null) return;
        String code = ops.spend(who);
        if (code == null) return;
        Reply a = call(Op.APPROVE, () -> http.approve(session, g.id, code));
        if (a == null) {
            g.attempted.add("approve:" + who.name());
            return;
        }
        if (a.status() == 401) ops.session(who, null);
        if (a.status() != 200) return;
        g.approvals.add(who.name());
        String status = a.json().path("status").asText();
        if (status.equals("approved")) g.status = "approved";
        g.observed = status;
        ledger.acknowledged(Op.APPROVE);
    }

    private void deny(Grant g) {
        OpsPool.Account who = ops.denier();
        if (who == null) {
            cancel(g);
            return;
        }
        String session = session(who);
        if (session == null) return;
        Reply d = call(Op.DENY, () -> http.deny(session, g.id, "harness: denied to exercise the denial path"));
        if (d == null) {
            g.attempted.add("deny");
            return;
        }
        if (d.status() == 401) ops.session(who, null);
        if (d.status() != 200) return;
        g.status = "denied";
        g.observed = "denied";
        ledger.acknowledged(Op.DENY);
    }

    private void cancel(Grant g) {
        Reply c = call(Op.CANCEL, () -> http.cancel(basic, g.id));
        if (c == null) {
            g.attempted.add("cancel");
            return;
        }
        if (c.status() != 200) return;
        g.status = "cancelled";
        g.observed = "cancelled";
        ledger.acknowledged(Op.CANCEL);
    }

    private void redeem(Grant g) {
        Reply t = call(Op.REDEEM, () -> http.redeem(basic, g.id));
        if (t == null) {
            g.attempted.add("redeem");
            return;
        }
        if (t.status() < 0) return;
        if (t.status() != 200) {
            String error = t.json().path("error").asText();
            if (error.equals("invalid_grant") || error.equals("access_denied") || error.equals("expired_token")) {
                g.observed = "gone"; // redeemed by an unanswered poll, or decided otherwise: nothing left to do here
            }
            return;
        }
        g.token = t.json().path("access_token").asText();
        g.tokenExp = Jose.payload(g.token).path("exp").asLong();
        g.status = "redeemed";
        g.observed = "redeemed";
        ledger.acknowledged(Op.REDEEM);
    }

    private void use(Grant g) {
        Reply c = call(Op.USE, () -> http.check(g.token, g.env, "volume:delete", g.resource));
        if (c == null) {
            g.attempted.add("use");
            return;
        }
        if (c.status() != 200) return;
        if (c.json().path("allowed").asBoolean()) {
            g.used = true;
            ledger.acknowledged(Op.USE);
        } else {
            g.attempted.add("use"); // refused (spent by an unanswered check, or expired): do not try again
        }
    }

    /** The agent has five pending grants, some filed by requests that were never answered: deny every pending one. */
    private void unclog() {
        OpsPool.Account who = ops.denier();
        if (who == null) return;
        String session = session(who);
        if (session == null) return;
        Reply list = call(Op.SIGN_IN, () -> http.get("/v1/grants?status=pending", "Bearer " + session));
        if (list == null || list.status() != 200) return;
        for (JsonNode item : list.json().path("grants")) {
            String id = item.path("id").asText();
            Grant g = ledger.grants.get(id);
            if (g == null) {
                // Filed by a request whose answer the kill cut off: it exists, so the harness adopts it from here on.
                g = new Grant(id, item.path("environment").asText(), item.path("resources").path(0).asText(),
                        item.path("approvals_required").asInt(1),
                        java.time.Instant.parse(item.path("expires_at").asText()).getEpochSecond());
                ledger.grants.put(id, g);
            }
            deny(g);
        }
    }

    private String session(OpsPool.Account who) {
        String s = ops.session(who);
        if (s != null) return s;
        String code = ops.spend(who);
        if (code == null) return null;
        Reply in = call(Op.SIGN_IN, () -> http.signIn(who.name(), who.ops.passphrase(), code, true));
        if (in == null || in.status() != 200) return null;
        ledger.acknowledged(Op.SIGN_IN);
        String token = in.json().path("token").asText();
        ops.session(who, token);
        return token;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
