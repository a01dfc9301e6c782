package dev.airlock.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code airlock}: the one entry point of the jar. */
@Command(name = "airlock", mixinStandardHelpOptions = true, version = "airlock 0.1.0",
        description = "Scoped credential broker for AI agents: short-lived, one-environment tokens; destructive rights"
                + " only through a human grant.",
        subcommands = {ServeCommand.class, LintCommand.class, TokenCommand.class, CheckCommand.class,
                RevokeCommand.class, EnvCommand.class, AgentCommand.class, AuditCommand.class, OpsCommand.class,
                GrantCommand.class, GrantsCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. 'airlock serve'");
    }
}
