package dev.airlock.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Variables as text a shell evaluates: {@code eval "$(airlock env staging ...)"} must set exactly these values,
 * whatever bytes they hold, and run nothing. Every value is single-quoted, the one quoting in which a POSIX shell
 * (XCU 2.2.2) and fish treat {@code $}, backquotes, {@code \}, newlines and globs as plain characters; only the quote
 * itself needs care. The values come from the network (a token, URLs from the server's metadata), so this is the
 * place that decides whether a hostile or broken server can run commands in an agent's shell: it cannot.
 */
final class ShellExports {
    /** Portable variable names: what every shell, {@code env} and a {@code .env} reader accept. */
    static final Pattern NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,127}");

    enum Shell {
        /** POSIX {@code export NAME='value'}: sh, dash, bash, zsh, ksh, and Claude Code's env file. */
        SH,
        /** {@code set -gx NAME 'value'}. */
        FISH,
        /** One JSON object of strings, for programs that are not shells. */
        JSON;

        static Shell parse(String s) {
            return switch (s) {
                case "sh" -> SH;
                case "fish" -> FISH;
                case "json" -> JSON;
                default -> throw new IllegalArgumentException("--shell must be sh (also for bash, zsh, ksh), fish or json,"
                        + " not '" + GrantView.clean(s) + "'");
            };
        }

        String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private ShellExports() {}

    /**
     * The whole text, ending in a newline.
     *
     * @throws IllegalArgumentException for a name that is not portable, or a value holding NUL (no shell variable can)
     */
    static String render(Shell shell, Map<String, String> vars) {
        vars.forEach(ShellExports::requireSafe);
        if (shell == Shell.JSON) {
            try {
                return AirlockHttp.JSON.writeValueAsString(vars) + "\n";
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        StringBuilder out = new StringBuilder();
        vars.forEach((name, value) -> out.append(shell == Shell.SH
                ? "export " + name + "=" + shQuote(value)
                : "set -gx " + name + " " + fishQuote(value)).append('\n'));
        return out.toString();
    }

    /** POSIX: inside '...' nothing is special, not even '\'; a quote is closed, escaped, reopened: {@code '\''}. */
    static String shQuote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    /** fish: inside '...' only {@code \\} and {@code \'} are escapes (fish docs, "Quotes"). */
    static String fishQuote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static void requireSafe(String name, String value) {
        if (!NAME.matcher(name).matches()) throw new IllegalArgumentException("not a portable variable name: " + GrantView.clean(name));
        if (value.indexOf('\0') >= 0) throw new IllegalArgumentException("the value of " + name + " holds a NUL byte");
    }
}
