package dev.airlock.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.grant.Grant;
import dev.airlock.core.grant.GrantEvent;
import dev.airlock.core.grant.GrantStatus;
import dev.airlock.core.token.OnBehalfOf;
import org.junit.jupiter.api.Test;

/** Webhook payloads of a grant filed on a user's behalf (issue 15) name that user, for people and for machines. */
class SlackMessageOnBehalfOfTest {
    @Test
    void payloadWhenGrantFiledOnBehalfOfUserThenNamesThemInTextAndMachineFields() throws Exception {
        Grant g = WebhookNotifierTest.grant("gr_obo", GrantStatus.PENDING);
        Grant delegated = new Grant(g.id(), g.agentId(), g.environment(), g.scopes(), g.resources(), g.reason(),
                g.command(), g.requiredApprovals(), g.approvals(), g.status(), g.createdAt(), g.expiresAt(),
                g.decidedBy(), g.denyReason(), g.decidedAt(), g.tokenJti(), g.usesLeft(), g.tokenExpiresAt(),
                g.version(), new OnBehalfOf("corp", "https://login.corp.test/", "user-erin", "erin"));
        JsonNode j = new ObjectMapper().readTree(SlackMessage.json(new GrantEvent("created", delegated, "coding-agent",
                WebhookNotifierTest.AT), WebhookNotifierTest.AT, "https://airlock.test"));
        JsonNode obo = j.get("airlock").get("on_behalf_of");
        assertEquals("corp", obo.get("issuer").asText());
        assertEquals("user-erin", obo.get("sub").asText());
        assertEquals("erin", obo.get("name").asText());
        assertTrue(j.toString().contains("on behalf of corp:user-erin (erin)"), j.toString());

        JsonNode plain = new ObjectMapper().readTree(SlackMessage.json(new GrantEvent("created", g, "coding-agent",
                WebhookNotifierTest.AT), WebhookNotifierTest.AT, "https://airlock.test"));
        assertFalse(plain.get("airlock").has("on_behalf_of"), "only delegated grants name a user");
    }
}
