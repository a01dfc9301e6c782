package dev.airlock.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * What a mistyped command line gets: the error, one "Did you mean: --policy?" line per option or subcommand that is
 * near a real one, then the usage. picocli's own suggestions missed near misses such as {@code --jit} for
 * {@code --jti}, and said nothing when another error came first ({@code ops add x --gruop g} reported only the missing
 * {@code --group}); a new user then had to read the whole usage to find the typo (issue 16).
 */
final class Suggestions implements CommandLine.IParameterExceptionHandler {
    /** Edits (insert, delete, replace, swap two neighbours) that still count as a typo of a name this long. */
    static int tolerance(String name) {
        return Math.max(1, Math.min(3, name.length() / 3));
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(ex.getMessage());
        Set<String> said = new LinkedHashSet<>();
        for (String word : unknownOptions(cmd, args)) {
            String near = nearest(word, cmd.getCommandSpec().optionsMap().keySet());
            if (near != null) said.add(near);
        }
        // A word near one of this command's subcommands, wherever it stands: "env unfreze staging" reads
        // "unfreze" as the environment and fails on "staging", one word later.
        for (String word : args) {
            if (word.equals("--")) break;
            if (word.startsWith("-") || cmd.getSubcommands().containsKey(word)) continue;
            String near = nearest(word, cmd.getSubcommands().keySet());
            if (near != null) {
                said.add(cmd.getCommandSpec().qualifiedName() + " " + near);
                break; // the words after it belong to that subcommand ("grnats list" is not also "lint")
            }
        }
        for (String s : said) err.println("Did you mean: " + s + "?");
        cmd.usage(err, cmd.getColorScheme());
        err.flush();
        CommandSpec spec = cmd.getCommandSpec();
        return cmd.getExitCodeExceptionMapper() != null ? cmd.getExitCodeExceptionMapper().getExitCode(ex)
                : spec.exitCodeOnInvalidInput();
    }

    /**
     * The words of {@code args} that look like options (before a {@code --}) and that neither this command nor one it
     * is a subcommand of knows ({@code --name=value} is looked up by its name).
     */
    static List<String> unknownOptions(CommandLine cmd, String[] args) {
        Set<String> known = new TreeSet<>();
        for (CommandLine c = cmd; c != null; c = c.getParent()) known.addAll(c.getCommandSpec().optionsMap().keySet());
        List<String> out = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--")) break;
            if (a.length() < 2 || a.charAt(0) != '-' || Character.isDigit(a.charAt(1))) continue;
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (!known.contains(name)) out.add(name);
        }
        return out;
    }

    /** The one name within {@link #tolerance} edits of {@code word}, the closest; null if none or a tie. */
    static String nearest(String word, Set<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        boolean tie = false;
        for (String n : names) {
            int d = distance(word, n);
            if (d > tolerance(n)) continue;
            if (d < bestDistance) {
                best = n;
                bestDistance = d;
                tie = false;
            } else if (d == bestDistance) {
                tie = true;
            }
        }
        return tie ? null : best;
    }

    /** Optimal string alignment distance: Levenshtein plus a swap of two neighbours as one edit. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
