package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.airlock.cli.ShellExports.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exports are evaluated by real shells, exactly as the docs tell agents to ({@code eval "$(...)"}, and
 * {@code ... | source} in fish), and must set exactly the values given, whatever they hold, and run nothing.
 */
class ShellExportsTest {
    @TempDir
    Path tmp;

    /** Values a hostile or broken server could send, and the bytes that end quoting in one shell or another. */
    static Map<String, String> hostile() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("H_QUOTE", "'");
        v.put("H_QUOTES", "'' '\\'' \"'\"");
        v.put("H_SUBST", "$(touch PWNED_SUBST)");
        v.put("H_BACKTICK", "`touch PWNED_BACKTICK`");
        v.put("H_BREAKOUT", "';touch PWNED_BREAKOUT;'");
        v.put("H_DQ_BREAKOUT", "\";touch PWNED_DQ;\"");
        v.put("H_NEWLINE", "a\ntouch PWNED_NEWLINE\n");
        v.put("H_TRAILING_NEWLINES", "x\n\n");
        v.put("H_LEADING_NEWLINE", "\nexport H_QUOTE=overwritten");
        v.put("H_VARS", "$HOME ${PATH} $1 $@ $$ ~ ~root");
        v.put("H_GLOB", "* ? [a-z] {a,b}");
        v.put("H_BACKSLASHES", "\\ \\\\ \\' \\n \\x41 \\0");
        v.put("H_FISH", "(touch PWNED_FISH) $status; end; begin");
        v.put("H_CONTROL", "tab\tcr\rbell\u0007esc\u001b[31m");
        v.put("H_UNICODE", "é 日本 \u2028 \u00a0 😀");
        v.put("H_HISTORY", "!! !-1 ^a^b");
        v.put("H_OPTIONS", "-n --");
        v.put("H_PERCENT", "%s %n %%");
        v.put("H_EMPTY", "");
        return v;
    }

    @Test
    void hostileValuesComeOutOfEveryShellExactlyAsGivenAndRunNothing() throws Exception {
        Map<String, String> vars = hostile();
        List<String> shells = ShellRun.available();
        assertTrue(shells.contains("sh") && shells.contains("bash"), "sh and bash are on every machine this runs on");
        for (String shell : shells) {
            Path dir = Files.createDirectory(tmp.resolve(shell));
            Shell syntax = shell.equals("fish") ? Shell.FISH : Shell.SH;
            Map<String, String> env = ShellRun.evaluate(shell, ShellExports.render(syntax, vars), dir);
            for (Map.Entry<String, String> e : vars.entrySet()) {
                assertEquals(e.getValue(), env.get(e.getKey()), shell + ": " + e.getKey());
            }
            try (var files = Files.list(dir)) {
                assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("exports")).toList(),
                        shell + " ran something: files appeared");
            }
        }
        System.out.println("ShellExportsTest: evaluated in " + shells);
    }

    @Test
    void jsonHoldsTheSameValues() throws Exception {
        String json = ShellExports.render(Shell.JSON, hostile());
        assertTrue(json.endsWith("}\n"), json);
        Map<String, String> back = AirlockHttp.JSON.readValue(json, new TypeReference<LinkedHashMap<String, String>>() {});
        assertEquals(hostile(), back);
        assertEquals(1, json.lines().count(), "one line, for line-oriented readers");
    }

    @Test
    void aNulByteOrAnUnportableNameIsRefusedRatherThanPrinted() {
        for (Shell s : Shell.values()) {
            assertThrows(IllegalArgumentException.class, () -> ShellExports.render(s, Map.of("A", "x\0y")));
            for (String bad : List.of("a", "A-B", "1A", "A B", "A;B", "", "A=B", "A\nB")) {
                assertThrows(IllegalArgumentException.class, () -> ShellExports.render(s, Map.of(bad, "v")), bad);
            }
        }
    }

    @Test
    void shellNamesAreExactAndTheErrorSaysWhichExist() {
        assertEquals(Shell.SH, Shell.parse("sh"));
        assertEquals(Shell.FISH, Shell.parse("fish"));
        assertEquals(Shell.JSON, Shell.parse("json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shell.parse("bash"));
        assertTrue(e.getMessage().contains("sh (also for bash"), e.getMessage());
        assertFalse(ShellExports.render(Shell.SH, Map.of("A", "v")).contains("\"v\""), "single quotes, not double");
    }
}
