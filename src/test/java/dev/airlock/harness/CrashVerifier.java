package dev.airlock.harness;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.harness.CrashLedger.Grant;
import dev.airlock.harness.CrashLedger.Op;
import dev.airlock.harness.HarnessClient.Reply;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * After a restart, with the load stopped: is every acknowledged operation still in effect? Looked for twice, in the
 * audit log (the durable record, read from the data directory) and through the restarted server's own answers:
 * <ul>
 *   <li>a minted token: its {@code token.minted} line;</li>
 *   <li>a revocation: its {@code token.revoked} line, introspection says {@code active: false}, and the check
 *       refuses it as revoked (while it has not expired);</li>
 *   <li>a filed grant: the agent can still read it, in a state its acknowledged history allows, with every
 *       acknowledged approval; a denial, a cancellation, a redemption stay exactly that; a redeemed grant cannot be
 *       redeemed again; a used one-shot token is refused as used; each with its audit line;</li>
 *   <li>a freeze or unfreeze of {@code dev}: the environment is in the state of the last acknowledged one (minting
 *       there is refused as frozen, or works), and the audit log's last word on {@code dev} agrees.</li>
 * </ul>
 * Revocations and grant uses are checked over HTTP when new since the last restart, and a random sample of older
 * ones; the audit log is checked for all of them, every time.
 */
final class CrashVerifier {
    record Missing(Op op, String what) {}

    private final HarnessClient http;
    private final String basic;
    /** The resource server's HTTP Basic ({@code api-gateway}): only it may introspect (issue 16). */
    private final String introspector;
    private final Random random;
    private final Set<String> revocationsSeen = new HashSet<>();
    /** Acknowledged operations looked for, by type, over all rounds. */
    final Map<Op, Long> checked = new EnumMap<>(Op.class);

    CrashVerifier(HarnessClient http, String basic, String introspector, long seed) {
        this.http = http;
        this.basic = basic;
        this.introspector = introspector;
        this.random = new Random(seed);
    }

    /** The audit log, indexed: jtis by event type, grant events by grant id, and dev's last freeze event. */
    static final class AuditIndex {
        final Set<String> minted = new HashSet<>();
        final Set<String> revoked = new HashSet<>();
        final Map<String, List<String>> grantEvents = new HashMap<>();
        String lastDevFreezeEvent;
        long lines;

        static AuditIndex read(Path auditLog) throws IOException {
            AuditIndex x = new AuditIndex();
            try (BufferedReader in = Files.newBufferedReader(auditLog, UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isBlank()) continue;
                    x.lines++;
                    JsonNode e = HarnessClient.JSON.readTree(line);
                    String type = e.path("type").asText();
                    switch (type) {
                        case "token.minted" -> x.minted.add(e.path("jti").asText());
                        case "token.revoked" -> x.revoked.add(e.path("jti").asText());
                        case "env.frozen", "env.unfrozen" -> {
                            if (e.path("env").asText().equals("dev")) x.lastDevFreezeEvent = type;
                        }
                        default -> {
                            if (type.startsWith("grant.")) {
                                x.grantEvents.computeIfAbsent(e.path("grant_id").asText(), k -> new ArrayList<>())
                                        .add(type + (e.has("by") ? ":" + e.path("by").asText() : ""));
                            }
                        }
                    }
                }
            }
            return x;
        }

        boolean hasGrantEvent(String id, String type) {
            return grantEvents.getOrDefault(id, List.of()).stream().anyMatch(t -> t.equals(type) || t.startsWith(type + ":"));
        }
    }

    List<Missing> verify(CrashLedger ledger, Path data) throws Exception {
        List<Missing> missing = new ArrayList<>();
        AuditIndex audit = AuditIndex.read(data.resolve("audit.log"));
        long now = Instant.now().getEpochSecond();

        for (CrashLedger.Token t : List.copyOf(ledger.minted.values())) {
            count(Op.MINT);
            if (!audit.minted.contains(t.jti())) missing.add(new Missing(Op.MINT, "token.minted " + t.jti()));
        }

        for (CrashLedger.Token t : List.copyOf(ledger.revoked.values())) {
            count(Op.REVOKE);
            if (!audit.revoked.contains(t.jti())) missing.add(new Missing(Op.REVOKE, "token.revoked " + t.jti()));
            boolean fresh = revocationsSeen.add(t.jti());
            if (!fresh && random.nextInt(Math.max(1, ledger.revoked.size() / 30)) != 0) continue;
            Reply i = http.introspect(introspector, t.token());
            if (i.status() != 200 || i.json().path("active").asBoolean(true)) {
                missing.add(new Missing(Op.REVOKE, "revoked " + t.jti() + " is active again: " + i));
            }
            if (t.exp() > now + 2) {
                Reply c = http.check(t.token(), "staging", "db:read", null);
                if (c.status() != 200 || !c.json().path("code").asText().equals("token_revoked")) {
                    missing.add(new Missing(Op.REVOKE, "revoked " + t.jti() + " not refused as revoked: " + c));
                }
            }
        }

        for (Grant g : ledger.grantList()) verifyGrant(g, audit, now, missing);

        Boolean frozen = ledger.expectedFrozen();
        if (frozen != null && !ledger.freezes.isEmpty()) {
            Op op = frozen ? Op.FREEZE : Op.UNFREEZE;
            count(op);
            Reply m = http.mint(basic, "dev", "db:read");
            boolean refusedAsFrozen = m.status() == 400 && m.body().contains("frozen");
            if (frozen != refusedAsFrozen || (!frozen && m.status() != 200)) {
                missing.add(new Missing(op, "dev should be " + (frozen ? "frozen" : "unfrozen") + "; mint there: " + m));
            }
            String expectedEvent = frozen ? "env.frozen" : "env.unfrozen";
            if (!expectedEvent.equals(audit.lastDevFreezeEvent)) {
                missing.add(new Missing(op, "the audit log's last word on dev is " + audit.lastDevFreezeEvent + ", not "
                        + expectedEvent));
            }
        }
        return missing;
    }

    private void verifyGrant(Grant g, AuditIndex audit, long now, List<Missing> missing) throws Exception {
        count(Op.FILE);
        Reply r = http.grant(basic, g.id);
        if (r.status() != 200) {
            missing.add(new Missing(Op.FILE, "grant " + g + " cannot be read: " + r));
            return;
        }
        JsonNode j = r.json();
        String status = j.path("status").asText();
        g.observed = status;
        if (!audit.hasGrantEvent(g.id, "grant.requested")) missing.add(new Missing(Op.FILE, "grant.requested " + g.id));
        Set<String> allowed = g.allowedStatuses(now);
        if (!allowed.contains(status)) {
            missing.add(new Missing(opFor(g.status), "grant " + g + " is " + status + ", expected one of " + allowed));
        }
        Set<String> approvers = new HashSet<>();
        for (JsonNode a : j.path("approvals")) approvers.add(a.path("by").asText());
        for (String who : g.approvals) {
            count(Op.APPROVE);
            if (!approvers.contains(who)) missing.add(new Missing(Op.APPROVE, "approval by " + who + " of " + g));
            if (!audit.grantEvents.getOrDefault(g.id, List.of()).contains("grant.approved:" + who)) {
                missing.add(new Missing(Op.APPROVE, "grant.approved by " + who + " for " + g.id));
            }
        }
        switch (g.status) {
            case "denied" -> {
                count(Op.DENY);
                if (!audit.hasGrantEvent(g.id, "grant.denied")) missing.add(new Missing(Op.DENY, "grant.denied " + g.id));
            }
            case "cancelled" -> {
                count(Op.CANCEL);
                if (!audit.hasGrantEvent(g.id, "grant.cancelled")) {
                    missing.add(new Missing(Op.CANCEL, "grant.cancelled " + g.id));
                }
            }
            case "redeemed" -> {
                count(Op.REDEEM);
                if (!audit.hasGrantEvent(g.id, "grant.redeemed")) {
                    missing.add(new Missing(Op.REDEEM, "grant.redeemed " + g.id));
                }
                Reply again = http.redeem(basic, g.id);
                if (again.status() != 400 || !again.json().path("error").asText().equals("invalid_grant")) {
                    missing.add(new Missing(Op.REDEEM, "redeemed grant " + g.id + " redeemed again: " + again));
                }
            }
            default -> {
                // pending or approved: the status check above is all
            }
        }
        if (g.used) {
            count(Op.USE);
            if (!audit.hasGrantEvent(g.id, "grant.used")) missing.add(new Missing(Op.USE, "grant.used " + g.id));
            Reply c = http.check(g.token, g.env, "volume:delete", g.resource);
            String code = c.status() == 200 ? c.json().path("code").asText() : "HTTP " + c.status();
            boolean expired = g.tokenExp <= now + 2;
            if (c.json().path("allowed").asBoolean(false) || !(code.equals("grant_used") || expired
                    && code.equals("token_expired"))) {
                missing.add(new Missing(Op.USE, "the one-shot token of " + g.id + " works again: " + c));
            }
        }
    }

    private static Op opFor(String status) {
        return switch (status) {
            case "approved" -> Op.APPROVE;
            case "denied" -> Op.DENY;
            case "cancelled" -> Op.CANCEL;
            case "redeemed" -> Op.REDEEM;
            default -> Op.FILE;
        };
    }

    private void count(Op op) {
        checked.merge(op, 1L, Long::sum);
    }
}
