package dev.airlock.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code airlock token}: what an agent runs to get a token. Prints the access token alone on standard output, so
 * {@code TOKEN=$(airlock token ...)} works; refusals go to standard error with Airlock's explanation.
 * The secret is never taken as an argument (it would show in {@code ps}): from a variable or a file, or a private
 * key for {@code private_key_jwt} ({@link AgentAuth}).
 */
@Command(name = "token", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Request an access token for one environment.",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:the token is printed alone on standard output",
            "1:refused, or Airlock unreachable (the reason on standard error)",
            "2:usage error, or no credentials"})
public final class TokenCommand implements Callable<Integer> {
    @Mixin
    AgentAuth auth;

    @Option(names = "--env", required = true, description = "environment the token is for")
    String environment;

    @Option(names = "--scope", description = "space-separated scopes (default: the agent's default scopes there)")
    String scope;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return GrantCommand.run(spec, () -> {
            AgentAuth.TokenEndpointAuth how = auth.forTokenEndpoint();
            Map<String, String> form = new LinkedHashMap<>();
            form.put("grant_type", "client_credentials");
            form.put("environment", environment);
            if (scope != null) form.put("scope", scope);
            form.putAll(how.form());
            AirlockHttp.Reply r = auth.http().postForm("/oauth2/token", how.header(), form);
            if (!r.ok()) throw new CliFailure(GrantCommand.FAILED, r.explain());
            spec.commandLine().getOut().println(r.body().path("access_token").asText());
            return GrantCommand.OK;
        });
    }
}
