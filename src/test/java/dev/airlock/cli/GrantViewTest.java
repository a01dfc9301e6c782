package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Issue 16: {@code grants show} aligns its labels in one column and leaves out fields with no value. */
class GrantViewTest {
    static final ObjectMapper JSON = new ObjectMapper();

    private static String detail(String json) throws Exception {
        StringWriter s = new StringWriter();
        GrantView.detail(new PrintWriter(s, true), JSON.readTree(json));
        return s.toString();
    }

    @Test
    void showAlignsEveryLabelInOneColumn() throws Exception {
        String out = detail("""
                {"id":"gr_1","status":"pending","agent":"coding-agent","environment":"production",
                 "scopes":["volume:delete"],"resources":["vol-7f3a"],"reason":"first line\\nsecond line",
                 "approvals_required":2,"approvals":[{"by":"carol","at":"2030-01-01T00:01:00Z"}],
                 "created_at":"2030-01-01T00:00:00Z","expires_at":"2030-01-01T00:15:00Z",
                 "recent_refusals":[{"at":"2030-01-01T00:00:30Z","type":"token.refused","env":"production"}]}
                """);
        for (String line : out.split("\n")) {
            if (line.startsWith("  - ")) continue; // an approval or a refusal, listed under its label
            assertTrue(line.length() > 13 && line.charAt(12) == ' ' && line.charAt(13) != ' '
                    || line.startsWith(" ".repeat(13)) && line.charAt(13) != ' ', "value not in column 14: '" + line
                    + "' in\n" + out);
        }
        assertTrue(out.contains("\nrefusals     1 recent\n"), out);
        assertTrue(out.contains("\napprove by   2030-01-01T00:15:00Z\n"), out);
    }

    @Test
    void showOmitsFieldsWithNoValue() throws Exception {
        String out = detail("""
                {"id":"gr_2","status":"cancelled","agent":"coding-agent","environment":"production",
                 "scopes":["volume:delete"],"resources":[],"reason":null,"command":null,"decided_by":null,
                 "deny_reason":"","approvals_required":1,"approvals":[],"created_at":"2030-01-01T00:00:00Z",
                 "expires_at":"2030-01-01T00:15:00Z","ended_at":"2030-01-01T00:03:00Z"}
                """);
        assertFalse(out.contains("null"), out);
        for (String line : out.split("\n")) {
            assertFalse(line.isBlank(), "an empty line in\n" + out);
            assertFalse(line.length() <= 13 || line.substring(13).isBlank(), "a label without a value: '" + line
                    + "' in\n" + out);
        }
        for (String absent : new String[] {"reason", "resources", "command", "decided by", "deny reason"}) {
            assertFalse(out.contains("\n" + absent + " "), absent + " shown in\n" + out);
        }
        assertTrue(out.contains("\nended        2030-01-01T00:03:00Z\n"), out);
    }

    @Test
    void listShowsEachGrantsOwnDeadline() throws Exception {
        JsonNode grants = JSON.readTree("""
                [{"id":"gr_p","status":"pending","expires_at":"2030-01-01T00:15:00Z","approvals":[]},
                 {"id":"gr_a","status":"approved","expires_at":"2030-01-01T00:16:00Z","approvals":[]},
                 {"id":"gr_r","status":"redeemed","expires_at":"2030-01-01T00:17:00Z",
                  "token_expires_at":"2030-01-01T00:09:00Z","approvals":[]},
                 {"id":"gr_d","status":"denied","expires_at":"2030-01-01T00:18:00Z",
                  "ended_at":"2030-01-01T00:02:00Z","approvals":[]}]
                """);
        StringWriter s = new StringWriter();
        GrantView.table(new PrintWriter(s, true), grants);
        String[] lines = s.toString().split("\n");
        assertTrue(lines[0].endsWith("WHEN"), lines[0]);
        assertTrue(lines[1].endsWith("approve by 2030-01-01T00:15:00Z"), lines[1]);
        assertTrue(lines[2].endsWith("redeem by 2030-01-01T00:16:00Z"), lines[2]);
        assertTrue(lines[3].endsWith("token until 2030-01-01T00:09:00Z"), lines[3]);
        assertTrue(lines[4].endsWith("ended 2030-01-01T00:02:00Z"), lines[4]);
        assertEquals(5, lines.length);
    }
}
