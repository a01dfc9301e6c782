package dev.airlock.cli;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code airlock env ENVIRONMENT}: what an agent's shell evaluates to work in one environment, a token for it and the
 * proxy's URLs, so that the agent never needs, nor looks for, a provider's token. Standard output carries the
 * variables and nothing else, all at once or not at all, so {@code eval "$(airlock env staging ...)"} never
 * half-applies; reasons go to standard error.
 *
 * <p>{@code airlock env freeze|unfreeze NAME}: stop, or resume, every token of one environment (operators, on the
 * data directory). A subcommand name wins over ENVIRONMENT, so an environment literally named {@code freeze} or
 * {@code unfreeze} is reached with {@code --} before it (POSIX utility syntax guideline 10), options first.
 */
@Command(name = "env", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print shell exports for an agent working in ENVIRONMENT: AIRLOCK_URL, AIRLOCK_ENV, AIRLOCK_TOKEN,"
                + " AIRLOCK_TOKEN_EXPIRES_AT (epoch seconds), AIRLOCK_SCOPE, and per provider AIRLOCK_PROXY_<NAME> (and"
                + " AIRLOCK_GRAPHQL_<NAME> for GraphQL ones), from the server's metadata.",
                "  eval \"$(airlock env staging --client-id coding-agent)\"",
                "Run it again when AIRLOCK_TOKEN_EXPIRES_AT has passed. An environment named freeze or unfreeze:"
                        + " airlock env --client-id ID -- freeze",
                "Or, with a subcommand, freeze or unfreeze an environment (operators)."},
        subcommands = {EnvCommand.Freeze.class, EnvCommand.Unfreeze.class},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:the exports are printed on standard output",
            "1:refused, or Airlock unreachable (the reason on standard error; nothing on standard output)",
            "2:usage error, or no credentials"})
public final class EnvCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ENVIRONMENT", arity = "0..1", description = "environment the token is for")
    String environment;

    /**
     * A group, not a mixin: its required {@code --client-id} is required only when one of its options is given, so
     * {@code env freeze NAME} (which takes none of them) still parses. Absent, {@link #call()} asks for it.
     */
    @ArgGroup(exclusive = false, multiplicity = "0..1", heading = "Agent credentials (as for 'airlock token'):%n")
    AgentAuth auth;

    @Option(names = "--scope", description = "space-separated scopes (default: the agent's default scopes there)")
    String scope;

    @Option(names = "--shell", defaultValue = "sh", paramLabel = "sh|fish|json",
            description = "output syntax: sh (POSIX: also bash, zsh, ksh), fish, or json (default: ${DEFAULT-VALUE})")
    String shell;

    @Option(names = "--scan-dir", paramLabel = "DIR", defaultValue = ".", description = "working tree checked for"
            + " standing credentials an agent could use instead of Airlock; a warning on standard error names the"
            + " first (default: the current directory)")
    java.nio.file.Path scanDir;

    @Option(names = "--no-scan", description = "skip that check")
    boolean noScan;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (environment == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "name an ENVIRONMENT (airlock env staging --client-id ID), or a subcommand: freeze or unfreeze");
        }
        if (auth == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--client-id=<clientId>'");
        }
        ShellExports.Shell syntax;
        try {
            syntax = ShellExports.Shell.parse(shell);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!noScan) ScanWarning.warn(scanDir, spec.commandLine().getErr());
        return GrantCommand.run(spec, () -> {
            Map<String, String> vars = AgentEnvironment.fetch(auth, environment, scope, Clock.systemUTC());
            String text;
            try {
                text = ShellExports.render(syntax, vars);
            } catch (IllegalArgumentException e) {
                throw new CliFailure(GrantCommand.FAILED, "cannot print the exports: " + e.getMessage());
            }
            // One write of the whole text, only after everything succeeded.
            spec.commandLine().getOut().print(text);
            return GrantCommand.OK;
        });
    }

    abstract static class Change implements Callable<Integer> {
        @Parameters(paramLabel = "ENVIRONMENT")
        String environment;

        @Mixin
        DataDirOptions dirs;

        @Mixin
        RemoteAdmin remote;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract boolean frozen();

        @Override
        public Integer call() {
            var err = spec.commandLine().getErr();
            if (remote.remote) {
                return GrantCommand.run(spec, () -> {
                    remote.post(spec, (frozen() ? "freeze " : "unfreeze ") + environment, "/v1/admin/environments/"
                            + AirlockHttp.segment(environment) + (frozen() ? "/freeze" : "/unfreeze"), java.util.Map.of());
                    spec.commandLine().getOut().println(done(environment, frozen()));
                    return 0;
                });
            }
            return LocalState.run(dirs, err, s -> {
                if (s.policy.environment(environment).isEmpty()) {
                    err.println("unknown environment '" + environment + "'");
                    return 1;
                }
                s.admin.setFrozen(environment, frozen(), "cli").get();
                spec.commandLine().getOut().println(done(environment, frozen()));
                return 0;
            });
        }

        static String done(String environment, boolean frozen) {
            return "environment " + environment + (frozen
                    ? " frozen: no new tokens, and checks refuse existing ones"
                    : " unfrozen");
        }
    }

    @Command(name = "freeze", mixinStandardHelpOptions = true,
            description = "Stop new tokens for ENVIRONMENT and make checks refuse existing ones, until unfrozen.")
    static final class Freeze extends Change {
        @Override
        boolean frozen() {
            return true;
        }
    }

    @Command(name = "unfreeze", mixinStandardHelpOptions = true, description = "Undo 'env freeze'.")
    static final class Unfreeze extends Change {
        @Override
        boolean frozen() {
            return false;
        }
    }
}
