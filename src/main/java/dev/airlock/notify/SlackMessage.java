package dev.airlock.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantEvent;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * The body of one grant notification: a Slack incoming-webhook message ({@code text} for notifications and clients
 * without blocks, {@code blocks} for the layout) plus an {@code airlock} object for machines.
 *
 * <p>Every string that reaches the body went through {@link SlackText}, the {@code airlock} object included: a bridge
 * that pastes those fields into chat or HTML must not be the way an agent pings a channel. Machines that need the
 * exact bytes fetch the grant by id. The grant's token jti is never included; there is no token on a grant to include.
 */
final class SlackMessage {
    /** Agent-controlled fields, in characters after escaping; Slack caps a field at 2,000 and a section at 3,000. */
    static final int MAX_REASON = 500;
    static final int MAX_COMMAND = 1000;
    static final int MAX_RESOURCE = 200;
    static final int MAX_RESOURCES_SHOWN = 1200;
    static final int MAX_NAME = 200;

    private static final ObjectMapper JSON = new ObjectMapper();

    private SlackMessage() {}

    static String link(String opsBaseUrl, String grantId) {
        return opsBaseUrl + "/ops/#/grants/" + URLEncoder.encode(grantId, StandardCharsets.UTF_8);
    }

    /** The UTF-8 JSON body for {@code e}, whose {@code at} is {@code at}. */
    static byte[] json(GrantEvent e, Instant at, String opsBaseUrl) {
        Grant g = e.grant();
        String type = SlackText.line(e.type(), 40);
        String id = SlackText.line(g.id(), MAX_NAME);
        String agent = SlackText.line(g.agentId(), MAX_NAME);
        String env = SlackText.line(g.environment(), MAX_NAME);
        String actor = SlackText.line(e.actor(), MAX_NAME);
        List<String> scopes = g.scopes().stream().map(s -> SlackText.line(s, MAX_NAME)).toList();
        List<String> resources = g.resources().stream().map(r -> SlackText.line(r, MAX_RESOURCE)).toList();
        List<String> approvers = g.approverNames().stream().map(a -> SlackText.line(a, MAX_NAME)).toList();
        String reason = SlackText.line(g.reason(), MAX_REASON);
        String status = g.statusAt(at).label();
        String link = SlackText.line(link(opsBaseUrl, g.id()), 2 * MAX_NAME);
        String approvals = g.approvals().size() + " of " + g.requiredApprovals();

        String headline = headline(e.type(), type, id, agent, env, actor, String.join(" ", scopes), approvals);

        ObjectNode root = JSON.createObjectNode();
        root.put("text", headline + ". " + link);
        ArrayNode blocks = root.putArray("blocks");
        section(blocks, "*" + headline + "*\n<" + link + "|Open grant " + id + " in Airlock ops>");
        ArrayNode fields = blocks.addObject().put("type", "section").putArray("fields");
        String obo = g.onBehalfOf() == null ? null : SlackText.line(g.onBehalfOf().canonicalSubject()
                + (g.onBehalfOf().name() == null ? "" : " (" + g.onBehalfOf().name() + ")"), 2 * MAX_NAME);
        field(fields, "Agent", agent + (obo == null ? "" : ", on behalf of " + obo));
        field(fields, "Environment", env);
        field(fields, "Scopes", code(String.join(" ", scopes)));
        field(fields, "Resources", resources.isEmpty() ? "_none named_" : joined(resources, MAX_RESOURCES_SHOWN));
        field(fields, "Approvals", approvals + (approvers.isEmpty() ? "" : " (" + String.join(", ", approvers) + ")"));
        field(fields, "Status", status);
        field(fields, "By", actor.isEmpty() ? "-" : actor);
        field(fields, "At", at.toString());
        section(blocks, "*Reason*\n" + (reason.isEmpty() ? "_none given_" : reason));
        if (g.command() != null && !g.command().isBlank()) {
            section(blocks, "*Command*\n```\n" + SlackText.code(g.command(), MAX_COMMAND) + "\n```");
        }

        ObjectNode a = root.putObject("airlock");
        a.put("event", type);
        a.put("grant_id", id);
        a.put("agent", agent);
        if (g.onBehalfOf() != null) {
            a.putObject("on_behalf_of").put("issuer", SlackText.line(g.onBehalfOf().issuerId(), MAX_NAME))
                    .put("sub", SlackText.line(g.onBehalfOf().subject(), 2 * MAX_NAME))
                    .put("name", g.onBehalfOf().name() == null ? null : SlackText.line(g.onBehalfOf().name(), MAX_NAME));
        }
        a.put("environment", env);
        scopes.forEach(a.putArray("scopes")::add);
        resources.forEach(a.putArray("resources")::add);
        a.put("reason", reason);
        if (g.command() == null) a.putNull("command");
        else a.put("command", SlackText.block(g.command(), MAX_COMMAND));
        a.put("approvals", g.approvals().size());
        a.put("approvals_required", g.requiredApprovals());
        approvers.forEach(a.putArray("approved_by")::add);
        a.put("status", status);
        a.put("actor", actor);
        a.put("at", at.toString());
        a.put("link", link);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot serialise a tree of strings", ex);
        }
    }

    /** All arguments already neutralised; {@code rawType} only picks the wording. */
    private static String headline(String rawType, String type, String id, String agent, String env, String actor,
                                   String scopes, String approvals) {
        return switch (rawType) {
            case "created" -> "Grant " + id + " requested: " + agent + " asks for " + scopes + " in " + env;
            case "approved" -> "Grant " + id + " approved by " + actor + " (" + approvals + ") in " + env;
            case "denied" -> "Grant " + id + " denied by " + actor + " in " + env;
            case "expired" -> "Grant " + id + " expired in " + env;
            case "cancelled" -> "Grant " + id + " cancelled by " + actor + " in " + env;
            case "redeemed" -> "Grant " + id + " redeemed by " + actor + " in " + env;
            default -> "Grant " + id + " " + type + " in " + env;
        };
    }

    private static void section(ArrayNode blocks, String mrkdwn) {
        blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn").put("text", mrkdwn);
    }

    private static void field(ArrayNode fields, String label, String value) {
        fields.addObject().put("type", "mrkdwn").put("text", "*" + label + "*\n" + value);
    }

    /** Scope names are policy-checked, but a backtick must still not close the span. */
    private static String code(String s) {
        return s.isEmpty() ? "-" : "`" + s.replace('`', '\'') + "`";
    }

    private static String joined(List<String> items, int max) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            String next = (i == 0 ? "" : ", ") + items.get(i);
            if (out.length() + next.length() > max) {
                return out.append(", " + SlackText.ELLIPSIS + " and ").append(items.size() - i).append(" more").toString();
            }
            out.append(next);
        }
        return out.toString();
    }
}
