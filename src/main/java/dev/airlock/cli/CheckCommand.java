package dev.airlock.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code airlock check}: asks {@code POST /v1/check}; exit 0 when allowed, 1 when refused, 2 on error. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Ask Airlock whether a token may do an action on a resource in an environment.")
public final class CheckCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Airlock base URL (default: ${DEFAULT-VALUE})")
    String url;

    @Option(names = "--token-env", defaultValue = "AIRLOCK_TOKEN",
            description = "variable holding the token (default: ${DEFAULT-VALUE})")
    String tokenEnv;

    @Option(names = "--env", required = true, description = "environment the action is in")
    String environment;

    @Option(names = "--action", required = true, description = "the scope the action needs, e.g. volume:delete")
    String action;

    @Option(names = "--resource", description = "resource id, e.g. vol-7f3a")
    String resource;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String token = System.getenv(tokenEnv);
        if (token == null || token.isEmpty()) {
            spec.commandLine().getErr().println("no token: set " + tokenEnv);
            return 2;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", token);
        body.put("environment", environment);
        body.put("action", action);
        if (resource != null) body.put("resource", resource);
        // Any failure to get an answer is exit 2, so that 1 always means "Airlock said no".
        return GrantCommand.run(spec, () -> {
            AirlockHttp.Reply r;
            try {
                r = new AirlockHttp(url).postJson("/v1/check", null, body);
            } catch (CliFailure e) {
                throw new CliFailure(2, e.getMessage());
            }
            GrantCommand.print(spec.commandLine().getOut(), r.body(), true);
            if (r.status() != 200) return 2;
            return r.body().path("allowed").asBoolean(false) ? 0 : 1;
        });
    }
}
