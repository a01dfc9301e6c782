package dev.airlock.cli;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.store.StateChange;
import dev.airlock.core.crypto.Hashes;
import dev.airlock.core.crypto.SecretShapes;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.AuthMethod;
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

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            return LocalState.run(dirs, err, s -> {
                Agent agent = s.policy.agent(id).orElse(null);
                if (agent == null) {
                    err.println("no agent '" + id + "' in " + dirs.policy + "/agents.yaml; declare it there first");
                    return 1;
                }
                if (agent.auth() != AuthMethod.CLIENT_SECRET_BASIC) {
                    err.println("agent " + id + " authenticates with " + agent.auth().wireName()
                            + "; it has no secret (its public key is in the policy)");
                    return 1;
                }
                String secret = SECRET_PREFIX + Hashes.randomToken(new SecureRandom(), 32);
                // With its event (files: the event first; PostgreSQL: one transaction), and the secret shown only once
                // both are durable: a failure leaves the old secret in effect, never a new hash nobody was shown.
                s.store.audited(s.audit).apply(AuditEvent.of("agent.secret_issued").with("client_id", id)
                        .with("by", "cli").build(), new StateChange.AgentSecret(id, Hashes.sha256Hex(secret))).get();
                out.println("Client secret for " + id + " (shown once; Airlock keeps only its SHA-256).");
                out.println("Use it with HTTP Basic at POST /oauth2/token, client_id " + id + ":");
                out.println(secret);
                out.flush();
                return 0;
            });
        }
    }
}
