package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code airlock grant}: what an agent runs when it needs a scope only people can give (DESIGN flow 2). It files a
 * request naming exact resources, a reason and the command it means to run, then polls the token endpoint as an
 * OpenID CIBA client until people decide. Standard output carries only the result (the grant id, or the token), so
 * {@code TOKEN=$(airlock grant request ... --wait)} works; everything else goes to standard error.
 */
@Command(name = "grant", mixinStandardHelpOptions = true,
        description = "Ask people for a scope no agent gets on its own (e.g. volume:delete in production), and collect it.",
        subcommands = {GrantCommand.Request.class, GrantCommand.Wait.class, GrantCommand.Status.class,
                GrantCommand.Cancel.class})
public final class GrantCommand implements Runnable {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int DENIED = 3;
    static final int EXPIRED = 4;
    static final int TIMED_OUT = 5;

    private static final String EXIT_HEADING = "%nExit codes:%n";
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: request, wait, status, cancel");
    }

    @Command(name = "request", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"File a grant request: exact scopes on exact resources in one environment, with a reason"
                    + " the approvers can judge.",
                    "Prints the grant id (auth_req_id) on standard output; with --wait, waits for the decision and"
                    + " prints the one-shot token instead."},
            exitCodeListHeading = EXIT_HEADING, exitCodeList = {
                "0:filed (the id is printed); with --wait: approved, the token is printed alone on standard output",
                "1:refused, or any other error (the reason on standard error)",
                "2:usage error, or no credentials",
                "3:--wait: denied by an approver, or cancelled (the deny reason on standard error)",
                "4:--wait: expired before enough people approved",
                "5:--wait: --timeout ran out while the grant was still pending (resume with 'airlock grant wait ID')"})
    static final class Request implements Callable<Integer> {
        @Mixin
        AgentAuth auth;

        @Option(names = "--env", required = true, description = "environment the action is in")
        String environment;

        @Option(names = "--scope", required = true, paramLabel = "SCOPE",
                description = "scope needed, e.g. volume:delete (repeat, or space-separate, for several)")
        List<String> scopes;

        @Option(names = "--resource", required = true, paramLabel = "ID",
                description = "exact resource id the action touches, e.g. vol-7f3a (repeat for several)")
        List<String> resources;

        @Option(names = "--reason", required = true,
                description = "why, in words an approver can judge: what is wrong and why this action fixes it")
        String reason;

        @Option(names = "--command", paramLabel = "TEXT", description = "the exact command you will run, shown to approvers")
        String command;

        @Option(names = "--wait", description = "wait for the decision and print the token")
        boolean wait;

        @Option(names = "--timeout", defaultValue = "15m", converter = DurationConverter.class,
                description = "with --wait, give up after this long, e.g. 90s, 15m, 1h (default: ${DEFAULT-VALUE})")
        Duration timeout;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return run(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                PrintWriter err = spec.commandLine().getErr();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("environment", environment);
                body.put("scopes", split(scopes));
                body.put("resources", resources);
                body.put("reason", reason);
                if (command != null) body.put("command", command);
                AirlockHttp.Reply r = auth.http().postJson("/v1/grants", auth.forApi(environment), body);
                if (!r.ok()) {
                    err.println("grant request refused: " + r.explain());
                    JsonNode endpoint = r.body().path("token_endpoint");
                    if (!endpoint.isMissingNode()) err.println("get it without people at " + GrantView.text(endpoint));
                    return FAILED;
                }
                JsonNode g = r.body();
                String id = g.path("auth_req_id").asText();
                JsonNode grant = g.path("grant");
                err.println("filed grant " + GrantView.clean(id) + ": " + GrantView.list(grant.path("scopes"), " ") + " on "
                        + GrantView.list(grant.path("resources"), " ") + " in " + GrantView.text(grant.path("environment")));
                err.println("it needs " + g.path("approvals_required").asInt() + " approval(s) by different people of "
                        + GrantView.text(grant.path("environment")) + "'s approver groups, each with a fresh one-time code"
                        + " ('airlock grants approve " + GrantView.clean(id) + "'); it expires in "
                        + format(Duration.ofSeconds(g.path("expires_in").asLong())));
                Duration interval = Duration.ofSeconds(Math.max(1, g.path("interval").asLong(5)));
                if (!wait) {
                    err.println("collect the token with 'airlock grant wait " + GrantView.clean(id) + "' (poll at most every "
                            + interval.toSeconds() + " s)");
                    err.flush();
                    out.println(id);
                    out.flush();
                    return OK;
                }
                err.println("waiting for the decision (polling every " + interval.toSeconds() + " s, up to "
                        + format(timeout) + ")");
                err.flush();
                return new GrantPoller(auth, out, err).await(id, interval, interval, timeout);
            });
        }
    }

    @Command(name = "wait", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Wait for the decision on a grant filed earlier; print its one-shot token when approved.",
            exitCodeListHeading = EXIT_HEADING, exitCodeList = {
                "0:approved: the token is printed alone on standard output",
                "1:refused, or any other error (the reason on standard error)",
                "2:usage error, or no credentials",
                "3:denied by an approver, or cancelled (the deny reason on standard error)",
                "4:expired before enough people approved",
                "5:--timeout ran out while the grant was still pending"})
    static final class Wait implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the grant id (auth_req_id) 'grant request' printed")
        String id;

        @Mixin
        AgentAuth auth;

        @Option(names = "--interval", defaultValue = "5s", converter = DurationConverter.class,
                description = "time between polls; at least what the request answered (default: ${DEFAULT-VALUE})")
        Duration interval;

        @Option(names = "--timeout", defaultValue = "15m", converter = DurationConverter.class,
                description = "give up after this long (default: ${DEFAULT-VALUE})")
        Duration timeout;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return run(spec, () -> new GrantPoller(auth, spec.commandLine().getOut(), spec.commandLine().getErr())
                    .await(id, Duration.ZERO, interval, timeout));
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Show a grant this agent filed: status, approvals so far, expiry.")
    static final class Status implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the grant id")
        String id;

        @Mixin
        AgentAuth auth;

        @Option(names = "--env", description = "with --key-file: an environment where the agent gets tokens")
        String environment;

        @Option(names = "--json", description = "print the server's JSON as it is")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return run(spec, () -> {
                AirlockHttp.Reply r = auth.http().get("/v1/grants/" + AirlockHttp.segment(id), auth.forApi(environment));
                if (!r.ok()) {
                    spec.commandLine().getErr().println("cannot show grant " + GrantView.clean(id) + ": " + r.explain());
                    return FAILED;
                }
                print(spec.commandLine().getOut(), r.body(), json);
                return OK;
            });
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Withdraw a grant this agent filed (pending or approved but not yet collected).")
    static final class Cancel implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the grant id")
        String id;

        @Mixin
        AgentAuth auth;

        @Option(names = "--env", description = "with --key-file: an environment where the agent gets tokens")
        String environment;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return run(spec, () -> {
                AirlockHttp.Reply r = auth.http().postJson("/v1/grants/" + AirlockHttp.segment(id) + "/cancel",
                        auth.forApi(environment), Map.of());
                if (!r.ok()) {
                    spec.commandLine().getErr().println("cannot cancel grant " + GrantView.clean(id) + ": " + r.explain());
                    return FAILED;
                }
                spec.commandLine().getOut().println("cancelled grant " + GrantView.clean(id));
                return OK;
            });
        }
    }

    interface Body {
        int run() throws CliFailure;
    }

    /** Runs a command body; a {@link CliFailure} becomes its message on standard error and its exit code. */
    static int run(CommandLine.Model.CommandSpec spec, Body body) {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return body.run();
        } catch (CliFailure e) {
            err.println(e.getMessage());
            return e.exitCode;
        } finally {
            err.flush();
            spec.commandLine().getOut().flush();
        }
    }

    static void print(PrintWriter out, JsonNode body, boolean json) {
        if (json) {
            try {
                out.println(AirlockHttp.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            GrantView.detail(out, body);
        }
        out.flush();
    }

    /** Scopes as {@code airlock token} takes them (space-separated) or repeated: both work. */
    static List<String> split(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            for (String s : v.trim().split("\\s+")) {
                if (!s.isEmpty()) out.add(s);
            }
        }
        return out;
    }

    static String format(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0 && s > 0) return s / 3600 + "h";
        if (s % 60 == 0 && s > 0) return s / 60 + "m";
        return s + "s";
    }

    /** {@code 90s}, {@code 15m}, {@code 1h}, or ISO-8601 ({@code PT15M}); more than zero, at most a day. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d;
            String v = value.trim().toLowerCase(Locale.ROOT);
            try {
                if (v.matches("\\d{1,6}[smh]")) {
                    long n = Long.parseLong(v.substring(0, v.length() - 1));
                    d = switch (v.charAt(v.length() - 1)) {
                        case 's' -> Duration.ofSeconds(n);
                        case 'm' -> Duration.ofMinutes(n);
                        default -> Duration.ofHours(n);
                    };
                } else {
                    d = Duration.parse(value.trim());
                }
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 90s, 15m or 1h");
            }
            if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(1)) > 0) {
                throw new CommandLine.TypeConversionException("'" + value + "' must be more than 0 and at most 24h");
            }
            return d;
        }
    }
}
