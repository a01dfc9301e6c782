package dev.airlock.deploy;

import dev.airlock.cli.Main;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Parses an {@code airlock} command line found in a manifest with Airlock's own picocli tree ({@code cli/Main}),
 * without running it: an option the jar does not know, a missing value or a misspelt subcommand is a problem here
 * rather than a pod in CrashLoopBackOff.
 */
final class AirlockCommandLines {
    /**
     * MERGE (issue 14): the PostgreSQL store's {@code serve} options, written by another branch. While {@code serve}
     * does not declare one of them, it is taken out (with its value) before parsing, and {@link #pendingValues}
     * checks it on its own; once {@code serve} declares it, it is parsed like every other option and this list has
     * no effect. Delete it after the merge.
     */
    static final List<String> PENDING_SERVE_OPTIONS = List.of("--store", "--store-password-file");

    /** A command line, where it was found, and the arguments after {@code airlock} (after the jar). */
    record Found(String where, List<String> args) {}

    /** Built once: picocli resets every option before each parse, and building the tree is most of the cost. */
    private static final CommandLine TREE = Main.commandLine();

    private AirlockCommandLines() {}

    /** Null if Airlock's command tree accepts the arguments, else the reason. */
    static synchronized String problem(Found f) {
        CommandLine cli = TREE;
        List<String> args = new ArrayList<>(f.args());
        Optional<String> pending = pendingValues(cli, args);
        if (pending.isPresent()) return f.where() + ": " + pending.get();
        try {
            cli.parseArgs(args.toArray(String[]::new));
            return null;
        } catch (CommandLine.ParameterException e) {
            return f.where() + ": airlock does not accept " + f.args() + ": " + e.getMessage();
        }
    }

    /**
     * Removes each pending option {@code serve} does not declare yet, with its value, from {@code args}; a problem if
     * one has no value.
     */
    private static Optional<String> pendingValues(CommandLine cli, List<String> args) {
        if (args.isEmpty() || !"serve".equals(args.get(0))) return Optional.empty();
        CommandLine.Model.CommandSpec serve = cli.getSubcommands().get("serve").getCommandSpec();
        for (String option : PENDING_SERVE_OPTIONS) {
            if (serve.findOption(option) != null) continue; // the store is in this build: parse it for real
            for (int i = 1; i < args.size(); i++) {
                String a = args.get(i);
                if (a.startsWith(option + "=")) {
                    if (a.length() == option.length() + 1) {
                        return Optional.of("Missing required parameter for option '" + option + "' (empty)");
                    }
                    args.remove(i--);
                } else if (a.equals(option)) {
                    if (i + 1 >= args.size() || args.get(i + 1).startsWith("-") || args.get(i + 1).isEmpty()) {
                        return Optional.of("Missing required parameter for option '" + option + "' (as picocli says)");
                    }
                    args.remove(i + 1);
                    args.remove(i--);
                }
            }
        }
        return Optional.empty();
    }

    /** The value given to {@code option} in {@code args}, if any (either spelling). */
    static Optional<String> value(List<String> args, String option) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(option) && i + 1 < args.size()) return Optional.of(args.get(i + 1));
            if (args.get(i).startsWith(option + "=")) return Optional.of(args.get(i).substring(option.length() + 1));
        }
        return Optional.empty();
    }
}
