package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Grants as people read them in a terminal. Everything shown here was written by an agent (reason, command, even
 * resource ids pass through the server), so every string is made inert first: control characters (ANSI escapes could
 * repaint the screen an approver decides on) and invisible format characters (bidirectional overrides, "Trojan
 * Source", CVE-2021-42574, can make a command read differently from what it is) are shown as {@code <U+XXXX>}.
 */
final class GrantView {
    private GrantView() {}

    /** One line, inert. */
    static String clean(String s) {
        if (s == null) return "";
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE
                    || type == Character.UNASSIGNED) {
                out.append(String.format(Locale.ROOT, "<U+%04X>", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    static String text(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? "" : clean(n.isValueNode() ? n.asText() : n.toString());
    }

    /** An instant to the second ({@code 2030-01-01T00:15:00Z}); anything else as inert text. */
    static String time(JsonNode n) {
        try {
            return Instant.parse(n.asText()).truncatedTo(ChronoUnit.SECONDS).toString();
        } catch (DateTimeParseException e) {
            return text(n);
        }
    }

    static String list(JsonNode array, String separator) {
        List<String> items = new ArrayList<>();
        for (JsonNode item : array) items.add(text(item));
        return String.join(separator, items);
    }

    static String approvals(JsonNode g) {
        return g.path("approvals").size() + "/" + g.path("approvals_required").asInt();
    }

    /** The table of {@code grants list}: one grant a line, the columns an approver scans first. */
    static void table(PrintWriter out, JsonNode grants) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "STATUS", "ENV", "AGENT", "SCOPES", "RESOURCES", "APPROVALS", "WHEN"});
        for (JsonNode g : grants) {
            String[] when = when(g);
            rows.add(new String[] {text(g.path("id")), text(g.path("status")), text(g.path("environment")),
                    text(g.path("agent")), shorten(list(g.path("scopes"), ",")), shorten(list(g.path("resources"), ",")),
                    approvals(g), when[1].isEmpty() ? "" : when[0] + " " + when[1]});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) width[i] = Math.max(width[i], row[i].length());
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) line.append(" ".repeat(width[i] - row[i].length() + 2));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /**
     * The one time that matters for a grant in its status, as {label, time}: a pending grant's approval deadline, an
     * approved one's redemption deadline (both {@code expires_at}), a redeemed one's token expiry, and when a denied,
     * expired or cancelled one ended (issue 16: {@code grants list --status all} showed {@code expires_at} for every
     * grant, which for a finished one is no deadline at all). An unknown status (a newer server) shows its expiry.
     */
    static String[] when(JsonNode g) {
        String status = g.path("status").asText();
        return switch (status) {
            case "pending" -> new String[] {"approve by", time(g.path("expires_at"))};
            case "approved" -> new String[] {"redeem by", time(g.path("expires_at"))};
            case "redeemed" -> new String[] {"token until", time(g.path("token_expires_at"))};
            case "denied", "expired", "cancelled" -> new String[] {"ended", time(g.path("ended_at"))};
            default -> new String[] {"expires", time(g.path("expires_at"))};
        };
    }

    /** Everything about one grant, for {@code grants show} and {@code grant status}, and before an approval. */
    static void detail(PrintWriter out, JsonNode g) {
        field(out, "grant", text(g.path("id")));
        String status = text(g.path("status"));
        field(out, "status", status + ("pending".equals(status) ? " (" + approvals(g) + " approvals)" : ""));
        field(out, "agent", text(g.path("agent")));
        JsonNode obo = g.path("on_behalf_of");
        if (obo.isObject()) {
            String who = text(obo.path("issuer")) + ":" + text(obo.path("sub"));
            field(out, "on behalf of", obo.hasNonNull("name") ? text(obo.path("name")) + " (" + who + ")" : who);
        }
        field(out, "environment", text(g.path("environment")));
        scopes(out, g);
        field(out, "resources", list(g.path("resources"), " "));
        if (g.has("uses") && g.has("token_lifetime_seconds")) {
            long uses = g.path("uses").asLong();
            field(out, "if approved", uses + (uses == 1 ? " use" : " uses") + ", by a token that lives "
                    + duration(g.path("token_lifetime_seconds").asLong()) + " once collected");
        }
        preconditions(out, g.path("preconditions"));
        block(out, "reason", g.path("reason"));
        if (g.hasNonNull("command")) block(out, "command", g.path("command"));
        field(out, "approvals", approvals(g) + " needed");
        String factor = g.path("approval_factor").asText("totp");
        field(out, "each with", switch (factor) {
            case "passkey" -> "a passkey, on the ops page (this CLI cannot sign with one)";
            case "any" -> "a one-time code, or a passkey on the ops page";
            default -> "a fresh one-time code";
        });
        for (JsonNode a : g.path("approvals")) {
            out.println("  - " + text(a.path("by")) + " at " + time(a.path("at")));
        }
        field(out, "created", time(g.path("created_at")));
        String[] when = when(g);
        field(out, when[0], when[1]);
        if (g.hasNonNull("decided_by")) field(out, "decided by", text(g.path("decided_by")));
        if (g.hasNonNull("deny_reason")) block(out, "deny reason", g.path("deny_reason"));
        if (g.hasNonNull("uses_left")) field(out, "uses left", text(g.path("uses_left")));
        you(out, g.path("you"));
        if (g.has("recent_refusals")) {
            JsonNode refusals = g.path("recent_refusals");
            field(out, "refusals", refusals.isEmpty() ? "none recent" : refusals.size() + " recent");
            for (JsonNode r : refusals) out.println("  - " + refusal(r));
        }
        out.flush();
    }

    /**
     * Each scope with its risk from the policy, one a line, then the risk line: "cannot be undone" exactly when the
     * server says a scope is destructive (it decides, from the risk; never from the environment's name).
     */
    private static void scopes(PrintWriter out, JsonNode g) {
        JsonNode risks = g.path("scope_risks");
        if (!risks.isArray() || risks.isEmpty()) {
            field(out, "scopes", list(g.path("scopes"), " "));
            return;
        }
        boolean first = true;
        for (JsonNode r : risks) {
            String line = text(r.path("scope")) + " (" + text(r.path("risk"))
                    + (r.path("grant_required").asBoolean() ? ", grant required by policy" : "") + ")";
            if (first) field(out, "scopes", line);
            else out.println(" ".repeat(LABEL + 1) + line);
            first = false;
        }
        field(out, "risk", g.path("destructive").asBoolean()
                ? "DESTRUCTIVE: this action cannot be undone"
                : "no destructive scope");
    }

    /**
     * Issue 16: what Airlock found when it checked the grant's preconditions just now (the backup and its age, or why
     * not). Provider text, so made inert like the rest.
     */
    private static void preconditions(PrintWriter out, JsonNode p) {
        if (!p.isObject()) return;
        field(out, "precondition", p.path("passed").asBoolean() ? "passed, checked by Airlock just now"
                : "FAILED: nobody can approve, and an approved grant yields no token, while it fails");
        for (JsonNode r : p.path("results")) {
            out.println("  - " + text(r.path("scope")) + " on " + text(r.path("resource")) + " ("
                    + text(r.path("provider")) + "): " + text(r.path("summary")));
        }
    }

    /** What the signed-in person may do with this grant, said before any code is asked for. */
    private static void you(PrintWriter out, JsonNode you) {
        if (!you.isObject() || you.path("may_approve").asBoolean()) return;
        String why = text(you.path("why"));
        field(out, "you", (you.path("may_deny").asBoolean() ? "may not approve (you may still deny): "
                : "may not approve or deny: ") + why);
    }

    /** 300 -> 5m, 90 -> 1m30s. */
    static String duration(long seconds) {
        long m = seconds / 60;
        long s = seconds % 60;
        if (m == 0) return s + "s";
        return s == 0 ? m + "m" : m + "m" + s + "s";
    }

    /** A refused request of the agent's (from the audit log): when, what it tried, in which environment, and why not. */
    private static String refusal(JsonNode r) {
        if (!r.isObject()) return text(r);
        StringBuilder sb = new StringBuilder(time(r.path("at")));
        if (r.hasNonNull("type")) sb.append(' ').append(text(r.path("type")));
        if (r.hasNonNull("env")) sb.append(" in ").append(text(r.path("env")));
        if (r.hasNonNull("what")) sb.append(": ").append(text(r.path("what")));
        if (r.hasNonNull("reason")) sb.append(" (").append(text(r.path("reason"))).append(')');
        return sb.toString().strip();
    }

    /**
     * Every label is at most {@value #LABEL} characters, so values start in one column; a field with no value is
     * left out entirely rather than shown empty or as "null" (issue 16).
     */
    private static final int LABEL = 12;

    private static void field(PrintWriter out, String name, String value) {
        if (name.length() > LABEL) throw new IllegalArgumentException("label longer than " + LABEL + ": " + name);
        if (value == null || value.isBlank()) return;
        out.println(String.format(Locale.ROOT, "%-" + LABEL + "s %s", name, value));
    }

    /** A field that may span lines (an agent's reason or command): each line inert, continuation lines indented. */
    private static void block(PrintWriter out, String name, JsonNode value) {
        if (value == null || !value.isValueNode() || value.isNull() || value.asText().isBlank()) return;
        String[] lines = value.asText("").split("\n", -1);
        field(out, name, clean(lines[0].replace('\t', ' ')));
        for (int i = 1; i < lines.length; i++) out.println(" ".repeat(LABEL + 1) + clean(lines[i].replace('\t', ' ')));
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
