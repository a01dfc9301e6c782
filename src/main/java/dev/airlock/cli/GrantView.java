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
        rows.add(new String[] {"ID", "STATUS", "ENV", "AGENT", "SCOPES", "RESOURCES", "APPROVALS", "EXPIRES"});
        for (JsonNode g : grants) {
            rows.add(new String[] {text(g.path("id")), text(g.path("status")), text(g.path("environment")),
                    text(g.path("agent")), shorten(list(g.path("scopes"), ",")), shorten(list(g.path("resources"), ",")),
                    approvals(g), time(g.path("expires_at"))});
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
        block(out, "reason", g.path("reason"));
        if (g.hasNonNull("command")) block(out, "command", g.path("command"));
        field(out, "approvals", approvals(g) + " needed");
        for (JsonNode a : g.path("approvals")) {
            out.println("  - " + text(a.path("by")) + " at " + time(a.path("at")));
        }
        field(out, "created", time(g.path("created_at")));
        field(out, "expires", time(g.path("expires_at")));
        if (g.hasNonNull("decided_by")) field(out, "decided by", text(g.path("decided_by")));
        if (g.hasNonNull("deny_reason")) block(out, "deny reason", g.path("deny_reason"));
        if (g.hasNonNull("uses_left")) field(out, "uses left", text(g.path("uses_left")));
        if (g.hasNonNull("token_expires_at")) field(out, "token until", time(g.path("token_expires_at")));
        you(out, g.path("you"));
        if (g.has("recent_refusals")) {
            JsonNode refusals = g.path("recent_refusals");
            field(out, "recent refusals", refusals.isEmpty() ? "none" : Integer.toString(refusals.size()));
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
            else out.println(" ".repeat(13) + line);
            first = false;
        }
        field(out, "risk", g.path("destructive").asBoolean()
                ? "DESTRUCTIVE: this action cannot be undone"
                : "no destructive scope");
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

    private static void field(PrintWriter out, String name, String value) {
        out.println(String.format(Locale.ROOT, "%-12s %s", name, value));
    }

    /** A field that may span lines (an agent's reason or command): each line inert, continuation lines indented. */
    private static void block(PrintWriter out, String name, JsonNode value) {
        String[] lines = value.asText("").split("\n", -1);
        field(out, name, clean(lines[0].replace('\t', ' ')));
        for (int i = 1; i < lines.length; i++) out.println(" ".repeat(13) + clean(lines[i].replace('\t', ' ')));
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
