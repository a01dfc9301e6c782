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

/**
 * {@code airlock agent}: an agent's credentials and lifecycle. {@code add ID} issues a client secret for an agent the
 * policy declares with client_secret_basic; {@code list}, {@code disable}, {@code enable} and {@code revoke-tokens}
 * are in {@link AgentLifecycleCommands}.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, description = "Manage agent credentials and lifecycle.",
        subcommands = {AgentCommand.Add.class, AgentLifecycleCommands.ListAgents.class,
                AgentLifecycleCommands.Disable.class, AgentLifecycleCommands.Enable.class,
                AgentLifecycleCommands.RevokeTokens.class})
public final class AgentCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: add, list, disable, enable,"
                + " revoke-tokens");
    }

    /** The prefix makes a leaked secret recognisable to secret scanners, and to Airlock's own redaction. */
    static final String SECRET_PREFIX = SecretShapes.CLIENT_SECRET_PREFIX;

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Issue a new client secret for an agent (replacing any earlier one).",
                    "The secret is printed once, alone on the last line of standard output; only its SHA-256 is kept.",
                    "Tokens the agent already holds stay valid until they expire unless --revoke-tokens is given."})
    static final class Add implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "agent id, as declared in agents.yaml")
        String id;

        @CommandLine.Option(names = "--revoke-tokens", description = "also revoke every token issued to the agent"
                + " until now (after the new secret is stored), as 'airlock agent revoke-tokens' does")
        boolean revokeTokens;

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
                            + "/secret", java.util.Map.of("revoke_tokens", revokeTokens));
                    err.println(GrantView.clean(r.path("live_tokens").asText()));
                    printSecret(out, id, r.path("client_secret").asText());
                    return r.has("revoke_tokens_failed") ? 1 : 0;
                });
            }
            return LocalState.run(dirs, err, s -> {
                if (s.policy.agent(id).isEmpty()) {
                    err.println("no agent '" + id + "' in " + dirs.policy + "/agents.yaml; declare it there first");
                    return 1;
                }
                TokenAdmin.IssuedSecret issued;
                try {
                    issued = s.admin.issueSecret(id, "cli", new SecureRandom(),
                            revokeTokens ? java.time.Clock.systemUTC() : null).get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TokenAdmin.NoSecret no)) throw e;
                    err.println(no.getMessage());
                    return 1;
                }
                // On standard error: standard output ends with the secret alone, for scripts that take its last line.
                err.println(TokenAdmin.liveTokensNote(id, issued));
                err.flush();
                printSecret(out, id, issued.secret());
                return issued.revokeFailure() != null ? 1 : 0;
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
