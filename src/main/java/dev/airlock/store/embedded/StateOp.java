package dev.airlock.store.embedded;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.grant.Approval;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantStatus;
import dev.airlock.core.ops.OpsAccount;
import dev.airlock.core.ops.Passkey;
import dev.airlock.core.ops.PasskeyChallenge;
import dev.airlock.core.token.OnBehalfOf;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One line of {@code state.journal} or {@code state.snapshot}. Every op sets one key to a value ("last writer
 * wins"; for versioned records, the highest version wins), so applying a line twice, or a snapshot and then the
 * journal it was taken from, gives the same state. Public for the PostgreSQL store, which keeps grants and ops
 * accounts in this same JSON (one encoding of a record, wherever it is stored).
 */
public sealed interface StateOp {

    ObjectMapper JSON = new ObjectMapper();

    record Revoke(String jti, long exp) implements StateOp {}

    record Freeze(String env, boolean frozen) implements StateOp {}

    record Secret(String agent, String sha256) implements StateOp {}

    record Assertion(String client, String jti, long exp) implements StateOp {}

    record AgentDisabled(String agent, boolean disabled) implements StateOp {}

    /** Tokens of {@code agent} with {@code iat <= second} are void; the highest second wins. */
    record AgentTokensVoid(String agent, long second) implements StateOp {}

    /** A whole grant, at one version. Only admitted (compare-and-set won) versions are ever written. */
    record SaveGrant(Grant grant) implements StateOp {}

    /** A whole ops account, at one version. */
    record SaveOps(OpsAccount account) implements StateOp {}

    /** First line of a journal generation (unique id) or of a snapshot; carries no state. */
    record Header(String kind, String id) implements StateOp {}

    default String toJson() {
        ObjectNode o = JSON.createObjectNode();
        if (this instanceof Revoke r) {
            o.put("op", "revoke").put("jti", r.jti).put("exp", r.exp);
        } else if (this instanceof Freeze f) {
            o.put("op", "freeze").put("env", f.env).put("frozen", f.frozen);
        } else if (this instanceof Secret s) {
            o.put("op", "secret").put("agent", s.agent).put("sha256", s.sha256);
        } else if (this instanceof Assertion a) {
            o.put("op", "assertion").put("client", a.client).put("jti", a.jti).put("exp", a.exp);
        } else if (this instanceof AgentDisabled d) {
            o.put("op", "agent_disabled").put("agent", d.agent).put("disabled", d.disabled);
        } else if (this instanceof AgentTokensVoid v) {
            o.put("op", "agent_tokens_void").put("agent", v.agent).put("second", v.second);
        } else if (this instanceof SaveGrant g) {
            o.put("op", "grant").set("grant", grantJson(g.grant));
        } else if (this instanceof SaveOps a) {
            o.put("op", "ops").set("account", opsJson(a.account));
        } else if (this instanceof Header h) {
            o.put("op", h.kind).put("id", h.id);
        }
        return o.toString();
    }

    /**
     * Strict: an unknown op or missing field throws. Skipping it instead could silently forget a revocation
     * written by a newer version; refusing to start is the fail-closed choice.
     */
    public static StateOp parse(String line) {
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (o == null || !o.isObject()) throw new IllegalArgumentException("not a JSON object");
        String op = text(o, "op");
        return switch (op) {
            case "revoke" -> new Revoke(text(o, "jti"), number(o, "exp"));
            case "freeze" -> new Freeze(text(o, "env"), bool(o, "frozen"));
            case "secret" -> new Secret(text(o, "agent"), text(o, "sha256"));
            case "assertion" -> new Assertion(text(o, "client"), text(o, "jti"), number(o, "exp"));
            case "agent_disabled" -> new AgentDisabled(text(o, "agent"), bool(o, "disabled"));
            case "agent_tokens_void" -> new AgentTokensVoid(text(o, "agent"), number(o, "second"));
            case "grant" -> new SaveGrant(grant(object(o, "grant")));
            case "ops" -> new SaveOps(ops(object(o, "account")));
            case "journal", "snapshot" -> new Header(op, o.path("id").asText(""));
            default -> throw new IllegalArgumentException("unknown op '" + op + "'");
        };
    }

    private static ObjectNode grantJson(Grant g) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", g.id()).put("agent", g.agentId()).put("env", g.environment());
        strings(o.putArray("scopes"), g.scopes());
        strings(o.putArray("resources"), g.resources());
        o.put("reason", g.reason()).put("command", g.command()).put("required", g.requiredApprovals());
        ArrayNode approvals = o.putArray("approvals");
        for (Approval a : g.approvals()) approvals.addObject().put("by", a.by()).put("at", a.at().toEpochMilli());
        o.put("status", g.status().label()).put("created", g.createdAt().toEpochMilli())
                .put("expires", g.expiresAt().toEpochMilli()).put("decidedBy", g.decidedBy())
                .put("denyReason", g.denyReason()).put("decidedAt", millis(g.decidedAt()))
                .put("tokenJti", g.tokenJti()).put("usesLeft", g.usesLeft())
                .put("tokenExpires", millis(g.tokenExpiresAt())).put("version", g.version());
        if (g.onBehalfOf() != null) {
            OnBehalfOf u = g.onBehalfOf();
            o.putObject("onBehalfOf").put("issuer", u.issuerId()).put("iss", u.issuer()).put("sub", u.subject())
                    .put("name", u.name());
        }
        return o;
    }

    private static Grant grant(JsonNode o) {
        List<Approval> approvals = new ArrayList<>();
        for (JsonNode a : array(o, "approvals")) approvals.add(new Approval(text(a, "by"), Instant.ofEpochMilli(number(a, "at"))));
        GrantStatus status;
        try {
            status = GrantStatus.valueOf(text(o, "status").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown grant status");
        }
        return new Grant(text(o, "id"), text(o, "agent"), text(o, "env"), stringList(o, "scopes"),
                stringList(o, "resources"), text(o, "reason"), nullableText(o, "command"), (int) number(o, "required"),
                approvals, status, Instant.ofEpochMilli(number(o, "created")), Instant.ofEpochMilli(number(o, "expires")),
                nullableText(o, "decidedBy"), nullableText(o, "denyReason"), instant(o, "decidedAt"),
                nullableText(o, "tokenJti"), (int) number(o, "usesLeft"), instant(o, "tokenExpires"),
                number(o, "version"), onBehalfOf(o));
    }

    /** Absent (not delegated, or written before delegation existed) reads as null; present, it must be whole. */
    private static OnBehalfOf onBehalfOf(JsonNode o) {
        JsonNode u = o.get("onBehalfOf");
        if (u == null || u.isNull()) return null;
        JsonNode obj = object(o, "onBehalfOf");
        return new OnBehalfOf(text(obj, "issuer"), text(obj, "iss"), text(obj, "sub"), nullableText(obj, "name"));
    }

    private static ObjectNode opsJson(OpsAccount a) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", a.name());
        strings(o.putArray("groups"), List.copyOf(a.groups()));
        o.put("passphrase", a.passphraseHash()).put("totp", a.totpSealed()).put("lastStep", a.lastTotpStep())
                .put("failures", a.failures()).put("lockedUntil", millis(a.lockedUntil()))
                .put("created", a.createdAt().toEpochMilli()).put("disabled", a.disabled()).put("version", a.version());
        if (!a.recentSteps().isEmpty()) a.recentSteps().forEach(o.putArray("recentSteps")::add);
        if (!a.passkeys().isEmpty()) {
            ArrayNode keys = o.putArray("passkeys");
            for (Passkey p : a.passkeys()) {
                ObjectNode k = keys.addObject().put("id", p.id()).put("data", p.credentialData())
                        .put("signCount", p.signCount()).put("uv", p.uvInitialized()).put("be", p.backupEligible())
                        .put("bs", p.backedUp()).put("label", p.label()).put("created", p.createdAt().toEpochMilli())
                        .put("lastUsed", millis(p.lastUsedAt()));
                strings(k.putArray("transports"), p.transports());
            }
        }
        if (!a.challenges().isEmpty()) {
            ArrayNode pending = o.putArray("challenges");
            for (PasskeyChallenge c : a.challenges()) {
                pending.addObject().put("nonce", c.nonce()).put("purpose", c.purpose().label())
                        .put("grant", c.grantId()).put("session", c.session()).put("expires", c.expiresAt().toEpochMilli());
            }
        }
        return o;
    }

    /** Absent (journals written before passkeys, issue 16) reads as none. */
    private static List<Passkey> passkeys(JsonNode o) {
        List<Passkey> out = new ArrayList<>();
        if (o.get("passkeys") == null) return out;
        for (JsonNode k : array(o, "passkeys")) {
            out.add(new Passkey(text(k, "id"), text(k, "data"), number(k, "signCount"), stringList(k, "transports"),
                    bool(k, "uv"), bool(k, "be"), bool(k, "bs"), text(k, "label"),
                    Instant.ofEpochMilli(number(k, "created")), instant(k, "lastUsed")));
        }
        return out;
    }

    private static List<PasskeyChallenge> challenges(JsonNode o) {
        List<PasskeyChallenge> out = new ArrayList<>();
        if (o.get("challenges") == null) return out;
        for (JsonNode c : array(o, "challenges")) {
            out.add(new PasskeyChallenge(text(c, "nonce"), PasskeyChallenge.Purpose.parse(text(c, "purpose")),
                    nullableText(c, "grant"), text(c, "session"), Instant.ofEpochMilli(number(c, "expires"))));
        }
        return out;
    }

    private static OpsAccount ops(JsonNode o) {
        Set<String> groups = new LinkedHashSet<>(stringList(o, "groups"));
        return new OpsAccount(text(o, "name"), groups, text(o, "passphrase"), text(o, "totp"), number(o, "lastStep"),
                (int) number(o, "failures"), instant(o, "lockedUntil"), Instant.ofEpochMilli(number(o, "created")),
                bool(o, "disabled"), number(o, "version"), longList(o, "recentSteps"), passkeys(o), challenges(o));
    }

    /** Absent (journals written before the field existed) reads as empty. */
    private static List<Long> longList(JsonNode o, String field) {
        JsonNode a = o.get(field);
        if (a == null) return List.of();
        if (!a.isArray()) throw new IllegalArgumentException(field + " is not an array");
        List<Long> out = new ArrayList<>();
        for (JsonNode n : a) {
            if (!n.canConvertToLong() || !n.isIntegralNumber()) throw new IllegalArgumentException(field + " holds a non-integer");
            out.add(n.longValue());
        }
        return out;
    }

    private static void strings(ArrayNode into, List<String> values) {
        values.forEach(into::add);
    }

    private static Long millis(Instant i) {
        return i == null ? null : i.toEpochMilli();
    }

    private static Instant instant(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) return null;
        return Instant.ofEpochMilli(number(o, field));
    }

    private static String nullableText(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : text(o, field);
    }

    private static JsonNode object(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isObject()) throw new IllegalArgumentException("\"" + field + "\" missing or not an object");
        return v;
    }

    private static JsonNode array(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isArray()) throw new IllegalArgumentException("\"" + field + "\" missing or not an array");
        return v;
    }

    private static List<String> stringList(JsonNode o, String field) {
        List<String> out = new ArrayList<>();
        for (JsonNode v : array(o, field)) {
            if (!v.isTextual()) throw new IllegalArgumentException("\"" + field + "\" holds a non-string");
            out.add(v.textValue());
        }
        return out;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("\"" + field + "\" missing or not a string");
        return v.textValue();
    }

    private static long number(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("\"" + field + "\" missing or not an integer");
        }
        return v.longValue();
    }

    private static boolean bool(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isBoolean()) throw new IllegalArgumentException("\"" + field + "\" missing or not a boolean");
        return v.booleanValue();
    }
}
