package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code airlock grants show} of a grant filed on a user's behalf (issue 15) says so, next to the agent. */
class GrantViewOnBehalfOfTest {
    static String show(String json) throws Exception {
        StringWriter out = new StringWriter();
        try (PrintWriter w = new PrintWriter(out)) {
            GrantView.detail(w, new ObjectMapper().readTree(json));
        }
        return out.toString();
    }

    @Test
    void showWhenGrantOnBehalfOfUserThenPrintsTheUser() throws Exception {
        String text = show("""
                {"id":"gr_1","status":"pending","agent":"coding-agent","environment":"production",
                 "scopes":["volume:delete"],"resources":["vol-7f3a"],"reason":"r","approvals_required":2,
                 "approvals":[],"created_at":"2026-12-07T10:00:00Z","expires_at":"2026-12-07T10:15:00Z",
                 "on_behalf_of":{"issuer":"corp","iss":"https://login.corp.test/","sub":"user-erin","name":"erin"}}
                """);
        assertTrue(text.matches("(?s).*on behalf of\\s+erin \\(corp:user-erin\\).*"), text);
    }

    @Test
    void showWhenGrantNotDelegatedThenNoOnBehalfOfLine() throws Exception {
        String text = show("""
                {"id":"gr_1","status":"pending","agent":"coding-agent","environment":"production",
                 "scopes":["volume:delete"],"resources":["vol-7f3a"],"reason":"r","approvals_required":2,
                 "approvals":[],"created_at":"2026-12-07T10:00:00Z","expires_at":"2026-12-07T10:15:00Z"}
                """);
        assertFalse(text.contains("on behalf of"), text);
    }
}
