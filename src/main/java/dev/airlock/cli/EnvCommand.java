package dev.airlock.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code airlock env freeze|unfreeze NAME}: stop, or resume, every token of one environment. */
@Command(name = "env", mixinStandardHelpOptions = true, description = "Freeze or unfreeze an environment.",
        subcommands = {EnvCommand.Freeze.class, EnvCommand.Unfreeze.class})
public final class EnvCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: freeze or unfreeze");
    }

    abstract static class Change implements Callable<Integer> {
        @Parameters(paramLabel = "ENVIRONMENT")
        String environment;

        @Mixin
        DataDirOptions dirs;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract boolean frozen();

        @Override
        public Integer call() {
            var err = spec.commandLine().getErr();
            return LocalState.run(dirs, err, s -> {
                if (s.policy.environment(environment).isEmpty()) {
                    err.println("unknown environment '" + environment + "'");
                    return 1;
                }
                s.admin.setFrozen(environment, frozen(), "cli").get();
                spec.commandLine().getOut().println("environment " + environment + (frozen()
                        ? " frozen: no new tokens, and checks refuse existing ones"
                        : " unfrozen"));
                return 0;
            });
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
