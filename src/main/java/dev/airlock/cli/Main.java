package dev.airlock.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code airlock}: the one entry point of the jar. */
@Command(name = "airlock", mixinStandardHelpOptions = true, version = "airlock " + dev.airlock.app.Airlock.VERSION,
        description = "Scoped credential broker for AI agents: short-lived, one-environment tokens; destructive rights"
                + " only through a human grant.")
public final class Main implements Runnable {
    /**
     * Every subcommand, in usage order, by the name its {@code @Command} gives it ({@code MainTest} keeps the two in
     * step). They are added at run time rather than listed in {@code @Command(subcommands = ...)} so that a run
     * builds only the one it needs: picocli reflects over every annotated class of the tree it builds, and its own
     * classes (compiled for Java 5) cannot go into the class-data archive, so building all of them cost
     * {@code airlock serve} 0.2 s of its start (0.50 s to 0.31 s from launch to a parsed command line, archive on).
     */
    static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /** The whole command tree. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main()).setParameterExceptionHandler(new Suggestions());
        SUBCOMMANDS.forEach((name, command) -> cli.addSubcommand(name, command.get()));
        return cli;
    }

    /**
     * The tree {@code args} needs: when the first argument names a subcommand, only that one (its usage, options and
     * errors are the same as in the whole tree: they depend on its own subtree and its parent's name); otherwise
     * (no argument, an option, {@code help}, an unknown or misspelt name) the whole tree, so help lists every
     * command and a typo gets picocli's suggestions.
     */
    static CommandLine commandLine(String... args) {
        Supplier<Object> only = args.length > 0 && !"help".equals(args[0]) ? SUBCOMMANDS.get(args[0]) : null;
        if (only == null) return commandLine();
        CommandLine cli = new CommandLine(new Main()).setParameterExceptionHandler(new Suggestions());
        cli.addSubcommand(args[0], only.get());
        return cli;
    }

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("serve", ServeCommand::new);
        m.put("lint", LintCommand::new);
        m.put("token", TokenCommand::new);
        m.put("check", CheckCommand::new);
        m.put("revoke", RevokeCommand::new);
        m.put("env", EnvCommand::new);
        m.put("scan", ScanCommand::new);
        m.put("agent", AgentCommand::new);
        m.put("audit", AuditCommand::new);
        m.put("ops", OpsCommand::new);
        m.put("grant", GrantCommand::new);
        m.put("grants", GrantsCommand::new);
        m.put("keys", KeysCommand::new);
        m.put("policy", PolicyCommand::new);
        m.put("help", CommandLine.HelpCommand::new);
        return Collections.unmodifiableMap(m);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. 'airlock serve'");
    }
}
