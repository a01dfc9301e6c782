package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --remote}: an administrative command sent to the server the operator signed in to with
 * {@code airlock grants login} ({@code /v1/admin}, see {@code http/AdminHandlers}) instead of written to a data
 * directory, so it needs no shared disk and is in effect in that server when the command returns. The server allows it
 * to members of {@code grants.yaml}'s {@code admin_groups} only, with a fresh one-time code each time (asked for, or
 * {@code --code} for scripts).
 */
final class RemoteAdmin {
    @Option(names = "--remote", description = "send the change to the server you signed in to with 'airlock grants"
            + " login' (you need an admin_groups group in grants.yaml and a fresh one-time code) instead of writing the"
            + " data directory")
    boolean remote;

    @Option(names = "--code", paramLabel = "CODE", description = "with --remote: the one-time code, for scripts"
            + " (otherwise you are asked)")
    String code;

    @Mixin
    GrantsCommand.SessionOption session;

    /** POSTs {@code body} plus the code to {@code path}; the answer's JSON, or a failure in the server's words. */
    JsonNode post(CommandLine.Model.CommandSpec spec, String what, String path, Map<String, Object> body)
            throws CliFailure {
        OpsSessionFile.Session s = session.require();
        String answer = code != null ? code
                : new Prompter(spec.commandLine().getErr()).line("one-time code to " + what + " (a fresh one): ");
        Map<String, Object> withCode = new LinkedHashMap<>(body);
        withCode.put("code", answer == null ? "" : answer.replace(" ", "").strip());
        AirlockHttp.Reply r = new AirlockHttp(s.url()).postJson(path, "Bearer " + s.token(), withCode);
        if (!r.ok()) {
            CliFailure refused = GrantsCommand.refusal(s, what, r);
            StringBuilder m = new StringBuilder(refused.getMessage());
            for (JsonNode p : r.body().path("problems")) m.append('\n').append(GrantView.clean(p.asText()));
            throw new CliFailure(refused.exitCode, m.toString());
        }
        return r.body();
    }

    /** GETs {@code path} with the session alone (reads change nothing, so no code); the answer's JSON. */
    JsonNode get(String what, String path) throws CliFailure {
        OpsSessionFile.Session s = session.require();
        AirlockHttp.Reply r = new AirlockHttp(s.url()).get(path, "Bearer " + s.token());
        if (!r.ok()) throw GrantsCommand.refusal(s, what, r);
        return r.body();
    }
}
