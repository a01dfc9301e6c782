package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.core.check.TokenAdmin;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code airlock agent list | disable ID | enable ID | revoke-tokens ID}: an agent's run-time state (issue 16). The
 * agents themselves are policy ({@code agents.yaml}); whether one is disabled, and before when its tokens are void,
 * is state in the store, shared by every replica and changed with an audit event ({@link TokenAdmin}). Each command
 * works on the data directory (or {@code --store}) like the other state-changing commands, or on a server with
 * {@code --remote}.
 */
final class AgentLifecycleCommands {
    private AgentLifecycleCommands() {}

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Every agent of the policy: its environments, whether it has a secret, whether it is"
                    + " disabled, and before when its tokens were revoked."})
    static final class ListAgents implements Callable<Integer> {
        @Option(names = "--json", description = "print JSON")
        boolean json;

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
                    print(out, remote.get("list agents", "/v1/admin/agents").path("agents"));
                    return 0;
                });
            }
            return LocalState.runReadOnly(dirs, err, s -> {
                List<Map<String, Object>> agents = new ArrayList<>();
                for (TokenAdmin.AgentState a : s.admin.agents()) agents.add(a.asMap());
                print(out, AirlockHttp.JSON.valueToTree(agents));
                return 0;
            });
        }

        private void print(PrintWriter out, JsonNode agents) {
            if (json) {
                try {
                    out.println(AirlockHttp.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(agents));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            } else {
                out.printf("%-24s %-20s %-10s %-9s %-28s %s%n", "ID", "AUTH", "SECRET", "STATE", "TOKENS VOID UNTIL",
                        "ENVIRONMENTS");
                for (JsonNode a : agents) {
                    boolean key = !"client_secret_basic".equals(a.path("auth").asText());
                    List<String> envs = new ArrayList<>();
                    a.path("environments").forEach(e -> envs.add(e.asText()));
                    List<String> introspects = new ArrayList<>();
                    a.path("introspect").forEach(e -> introspects.add(e.asText()));
                    String where = String.join(",", envs) + (introspects.isEmpty() ? ""
                            : (envs.isEmpty() ? "" : " ") + "introspects:" + String.join(",", introspects));
                    out.printf("%-24s %-20s %-10s %-9s %-28s %s%n", GrantView.clean(a.path("id").asText()),
                            GrantView.clean(a.path("auth").asText()),
                            key ? "(key)" : a.path("has_secret").asBoolean() ? "yes" : "none",
                            a.path("disabled").asBoolean() ? "disabled" : "enabled",
                            a.path("tokens_void_until").isNull() ? "-" : a.path("tokens_void_until").asText(),
                            GrantView.clean(where.isEmpty() ? "-" : where));
                }
            }
            out.flush();
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = {"Disable an agent at once: its secret or key and every token it holds are refused, on every"
                    + " server, until 'airlock agent enable'. Its pending grants stay, but cannot be redeemed or used."})
    static final class Disable extends Change {
        @Override
        String what() {
            return "disable";
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true,
            description = {"Enable a disabled agent again. Tokens revoked with 'revoke-tokens' stay revoked."})
    static final class Enable extends Change {
        @Override
        String what() {
            return "enable";
        }
    }

    @Command(name = "revoke-tokens", mixinStandardHelpOptions = true,
            description = {"Revoke every token issued to an agent until now (tokens minted in this same second"
                    + " included), without knowing their ids. The agent can get new ones with its credentials;"
                    + " disable it to stop that too."})
    static final class RevokeTokens extends Change {
        @Override
        String what() {
            return "revoke-tokens";
        }
    }

    /** The three changes: the same options, the same two paths, one audited core call each. */
    abstract static class Change implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "agent id, as declared in agents.yaml")
        String id;

        @Mixin
        DataDirOptions dirs;

        @Mixin
        RemoteAdmin remote;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract String what();

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (remote.remote) {
                return GrantCommand.run(spec, () -> {
                    JsonNode r = remote.post(spec, what() + " agent " + id, "/v1/admin/agents/"
                            + AirlockHttp.segment(id) + "/" + what(), Map.of());
                    report(out, r.path("tokens_void_until").isNull() ? null : r.path("tokens_void_until").asText());
                    return 0;
                });
            }
            return LocalState.run(dirs, err, s -> {
                try {
                    String voidUntil = switch (what()) {
                        case "disable" -> {
                            s.admin.setAgentDisabled(id, true, "cli").get();
                            yield null;
                        }
                        case "enable" -> {
                            s.admin.setAgentDisabled(id, false, "cli").get();
                            yield null;
                        }
                        case "revoke-tokens" -> s.admin.revokeAgentTokens(id, Clock.systemUTC().instant(), "cli")
                                .get().toString();
                        default -> throw new IllegalStateException(what());
                    };
                    report(out, voidUntil);
                    return 0;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TokenAdmin.NoSuchAgent no)) throw e;
                    err.println(no.getMessage() + " (" + dirs.policy + "/agents.yaml)");
                    return 1;
                }
            });
        }

        private void report(PrintWriter out, String voidUntil) {
            switch (what()) {
                case "disable" -> out.println("Agent " + id + " is disabled: its credentials and every token it holds"
                        + " are refused until 'airlock agent enable " + id + "'.");
                case "enable" -> out.println("Agent " + id + " is enabled again. Tokens revoked earlier stay revoked.");
                case "revoke-tokens" -> out.println("Every token issued to " + id + " at or before " + voidUntil
                        + " (UTC, to the second) is revoked; tokens it gets from now on are not. Airlock does not"
                        + " count them: it never lists live tokens. To stop new ones, 'airlock agent disable " + id
                        + "'.");
                default -> throw new IllegalStateException(what());
            }
            out.flush();
        }
    }
}
