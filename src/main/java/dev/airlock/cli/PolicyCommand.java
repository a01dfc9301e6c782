package dev.airlock.cli;

import dev.airlock.app.AirlockConfig;
import dev.airlock.app.PolicyReload;
import dev.airlock.app.PolicyReloadRequests;
import dev.airlock.core.journal.PrivateFiles;
import dev.airlock.core.journal.ServeLock;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code airlock policy reload}: asks the server running on a data directory to reload its policy folder, and prints
 * what it did. The request goes through the data directory ({@link PolicyReloadRequests}); {@code kill -HUP} on the
 * server's process does the same.
 */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "The policy of a running server.",
        subcommands = {PolicyCommand.Reload.class})
public final class PolicyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: reload");
    }

    @Command(name = "reload", mixinStandardHelpOptions = true,
            description = "Make the server on --data reload its policy folder (policy and providers). A policy that"
                    + " does not load is refused with its problems, and the running one stays.")
    static final class Reload implements Callable<Integer> {
        /** The longest wait accepted: a server refreshes four times a second, so seconds are plenty. */
        static final int MAX_WAIT_SECONDS = 300;

        @Option(names = "--data", paramLabel = "DIR", defaultValue = AirlockConfig.DEFAULT_DATA,
                description = "state directory of the running server (default: ${DEFAULT-VALUE})")
        Path data;

        @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "10",
                description = "how long to wait for the server's answer (default: ${DEFAULT-VALUE}, 1 to 300)")
        int waitSeconds;

        @CommandLine.Mixin
        RemoteAdmin remote;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (remote.remote) {
                return GrantCommand.run(spec, () -> {
                    var r = remote.post(spec, "reload the policy", "/v1/admin/policy/reload", java.util.Map.of());
                    String before = r.path("policy_hash_before").asText();
                    String after = r.path("policy_hash").asText();
                    out.println(new PolicyReload(true, before, after, java.util.List.of()).describe());
                    return 0;
                });
            }
            if (waitSeconds < 1 || waitSeconds > MAX_WAIT_SECONDS) {
                err.println("--wait must be between 1 and " + MAX_WAIT_SECONDS + " seconds");
                return 2;
            }
            try {
                PrivateFiles.requireSafeDataDirectory(data);
                Optional<ServeLock> free = ServeLock.tryAcquire(data);
                if (free.isPresent()) {
                    free.get().close();
                    err.println("no server is running on " + data + ": a server reads the policy when it starts");
                    return 2;
                }
                String request = PolicyReloadRequests.request(data, new SecureRandom());
                long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
                while (System.nanoTime() < deadline) {
                    Optional<PolicyReload> done = PolicyReloadRequests.result(data, request);
                    if (done.isPresent()) {
                        (done.get().reloaded() ? out : err).println(done.get().describe());
                        return done.get().reloaded() ? 0 : 1;
                    }
                    Thread.sleep(100);
                }
                PolicyReloadRequests.withdraw(data);
                err.println("the server on " + data + " did not answer within " + waitSeconds + " s; request withdrawn");
                return 2;
            } catch (IOException e) {
                err.println("cannot ask the server on " + data + ": " + PrivateFiles.explain(e));
                return 2;
            }
        }
    }
}
