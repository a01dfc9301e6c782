package dev.airlock.notify;

/**
 * Makes text that an agent controlled safe to put in a Slack (or Slack-compatible) message.
 *
 * <p>The threat: a grant's reason, command and resources are written by the agent that wants the grant, and they are
 * shown to the very people who must judge it. Unescaped, {@code <!channel>} pings everyone and
 * {@code <https://evil|Approve here>} renders as a link whose target is hidden. So:
 * <ul>
 *   <li>{@code &}, {@code <} and {@code >} become {@code &amp;}, {@code &lt;} and {@code &gt;}, exactly the three
 *       characters Slack reserves (api.slack.com/reference/surfaces/formatting#escaping). That alone defeats every
 *       {@code <!…>}, {@code <@…>}, {@code <#…>} and {@code <url|label>} form.</li>
 *   <li>An {@code @} that starts a word gets a zero-width space after it, so {@code @channel}, {@code @here} and
 *       friends are not parsed as mentions where {@code link_names} or a Slack-compatible receiver would parse them.</li>
 *   <li>{@code ](} gets a zero-width space inside it, so Markdown links (Mattermost and others accept Slack payloads
 *       but render Markdown) do not form either.</li>
 *   <li>Bidirectional overrides become U+FFFD, so text cannot be shown in a different order than it reads
 *       (CVE-2021-42574, "Trojan Source").</li>
 * </ul>
 * The result is also safe as HTML text, since the same three characters are escaped.
 */
final class SlackText {
    static final String ELLIPSIS = "…";
    private static final char ZWSP = '\u200B';

    private SlackText() {}

    /** One line of prose: control characters (newlines too) become spaces. At most {@code max} characters out. */
    static String line(String s, int max) {
        return neutralise(s, max, false);
    }

    /** Text whose line breaks matter (a shell command); other control characters become spaces. */
    static String block(String s, int max) {
        return neutralise(s, max, true);
    }

    /**
     * For use inside a {@code ```} code block: as {@link #block}, and no two backticks stay adjacent, so the agent
     * cannot close the block and go back to formatted text.
     */
    static String code(String s, int max) {
        String b = block(s, max);
        if (b.indexOf("``") < 0) return b;
        StringBuilder out = new StringBuilder(b.length() + 8);
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            out.append(c);
            if (c == '`' && i + 1 < b.length() && b.charAt(i + 1) == '`') out.append(ZWSP);
        }
        return out.toString();
    }

    /**
     * Escapes {@code s} and cuts it so the escaped form has at most {@code max} characters, the last being an ellipsis
     * when anything was cut. Cuts fall between code points and never inside an escape.
     */
    private static String neutralise(String s, int max, boolean keepNewlines) {
        if (s == null || max <= 0) return "";
        StringBuilder out = new StringBuilder(Math.min(s.length(), max) + 16);
        int previous = ' ';
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            int next = i < s.length() ? s.codePointAt(i) : -1;
            String piece = piece(cp, previous, next, keepNewlines);
            // Keep room for the ellipsis while anything would still follow; out never passes max - 1 before the end.
            int budget = next < 0 ? max : max - 1;
            if (out.length() + piece.length() > budget) return out.append(ELLIPSIS).toString();
            out.append(piece);
            previous = cp;
        }
        return out.toString();
    }

    private static String piece(int cp, int previous, int next, boolean keepNewlines) {
        switch (cp) {
            case '&': return "&amp;";
            case '<': return "&lt;";
            case '>': return "&gt;";
            case '@': return Character.isLetterOrDigit(previous) ? "@" : "@" + ZWSP;
            case ']': return next == '(' ? "]" + ZWSP : "]";
            case '\n': return keepNewlines ? "\n" : " ";
            default: break;
        }
        if (isBidiControl(cp)) return "\uFFFD";
        if (Character.isISOControl(cp)) return " ";
        return new String(Character.toChars(cp));
    }

    private static boolean isBidiControl(int cp) {
        return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E)
                || (cp >= 0x2066 && cp <= 0x2069);
    }
}
