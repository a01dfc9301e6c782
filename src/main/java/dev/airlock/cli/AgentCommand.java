package dev.airlock.cli;

import dev.airlock.core.check.TokenAdmin;
import dev.airlock.core.crypto.SecretShapes;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code airlock agent add ID}: issues a client secret for an agent the policy declares with client_secret_basic. */
@Command(name = "agent", mixinStandardHelpOptions = true, description = "Manage agent credentials.",
        subcommands = AgentCommand.Add.class)
public final class AgentCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: add");
    }

    /** The prefix makes a leaked secret recognisable to secret scanners, and to Airlock's own redaction. */
    static final String SECRET_PREFIX = SecretShapes.CLIENT_SECRET_PREFIX;

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Issue a new client secret for an agent (replacing any earlier one).",
                    "The secret is printed once, alone on the last line of standard output; only its SHA-256 is kept."})
    static final class Add implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "agent id, as declared in agents.yaml")
        String id;

        @Mixin
        DataDirOptions dirs;

        @Mixin
        RemoteAdmin remote;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (remote.remote) {
                return GrantCommand.run(spec, () -> {
                    var r = remote.post(spec, "issue a secret for " + id, "/v1/admin/agents/" + AirlockHttp.segment(id)
                            + "/secret", java.util.Map.of());
                    printSecret(out, id, r.path("client_secret").asText());
                    return 0;
                });
            }
            return LocalState.run(dirs, err, s -> {
                if (s.policy.agent(id).isEmpty()) {
                    err.println("no agent '" + id + "' in " + dirs.policy + "/agents.yaml; declare it there first");
                    return 1;
                }
                String secret;
                try {
                    secret = s.admin.issueSecret(id, "cli", new SecureRandom()).get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TokenAdmin.NoSecret no)) throw e;
                    err.println(no.getMessage());
                    return 1;
                }
                printSecret(out, id, secret);
                return 0;
            });
        }

        private static void printSecret(PrintWriter out, String id, String secret) {
            out.println("Client secret for " + id + " (shown once; Airlock keeps only its SHA-256).");
            out.println("Use it with HTTP Basic at POST /oauth2/token, client_id " + id + ":");
            out.println(secret);
            out.flush();
        }
    }
}
