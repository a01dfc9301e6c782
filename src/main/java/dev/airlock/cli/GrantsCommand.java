package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code airlock grants}: the approvers' side of DESIGN flow 2, for people who prefer a terminal to the ops page.
 * Sign in once (passphrase and one-time code; the session bearer is kept in an owner-only file and never printed),
 * then list, inspect, approve or deny. Every approval asks for a fresh one-time code: a session alone decides nothing.
 */
@Command(name = "grants", mixinStandardHelpOptions = true,
        description = "For approvers: sign in, then list, show, approve (with a fresh one-time code) or deny grants.",
        subcommands = {GrantsCommand.Login.class, GrantsCommand.Logout.class, GrantsCommand.ListGrants.class,
                GrantsCommand.Show.class, GrantsCommand.Approve.class, GrantsCommand.Deny.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:refused or failed (the reason on standard error)", "2:usage error"})
public final class GrantsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "name a subcommand: login, logout, list, show, approve, deny");
    }

    /** Where the session bearer lives. */
    static final class SessionOption {
        @Option(names = "--session-file", paramLabel = "FILE", description = "session file (default: $"
                + OpsSessionFile.ENV + ", else $XDG_STATE_HOME/airlock/ops-session, else ~/.local/state/airlock/ops-session)")
        Path file;

        Path path() {
            return OpsSessionFile.resolve(file);
        }

        OpsSessionFile.Session require() throws CliFailure {
            return OpsSessionFile.read(path(), true).orElseThrow(() -> new CliFailure(1,
                    "not signed in (no session in " + path() + "): run 'airlock grants login --url URL --name NAME'"));
        }
    }

    @Command(name = "login", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Sign in as an approver: asks for your passphrase (not echoed) and a one-time code.",
                    "Without a terminal both are read as lines from standard input."})
    static final class Login implements Callable<Integer> {
        @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Airlock base URL (default: ${DEFAULT-VALUE})")
        String url;

        @Option(names = "--name", required = true, description = "your ops account name")
        String name;

        @Mixin
        SessionOption session;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return GrantCommand.run(spec, () -> {
                PrintWriter err = spec.commandLine().getErr();
                AirlockHttp http = new AirlockHttp(url);
                if (inClear(http.base)) {
                    err.println("warning: " + http.base + " is plain http to another host: your passphrase and session"
                            + " cross the network unencrypted; use https");
                }
                Prompter prompt = new Prompter(err);
                char[] passphrase = prompt.secret("passphrase for " + name + ": ");
                AirlockHttp.Reply r;
                try {
                    String code = prompt.line("one-time code: ").strip();
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("name", name);
                    body.put("passphrase", new String(passphrase));
                    body.put("code", code);
                    body.put("bearer", true);
                    r = http.postJson("/v1/ops/session", null, body);
                } finally {
                    Arrays.fill(passphrase, '\0');
                }
                if (r.status() == 429) {
                    throw new CliFailure(1, "sign-in refused: " + r.explain()
                            + (r.retryAfter().isPresent() ? "; try again in " + r.retryAfter().getAsLong() + " s" : ""));
                }
                String token = r.body().path("token").asText("");
                if (!r.ok() || token.isEmpty()) throw new CliFailure(1, "sign-in refused: " + r.explain());
                Path file = session.path();
                OpsSessionFile.write(file, new OpsSessionFile.Session(http.base, name, token));
                long idle = r.body().path("idle_timeout_seconds").asLong();
                spec.commandLine().getOut().println("signed in to " + http.base + " as " + GrantView.text(r.body().path("name"))
                        + " (groups: " + GrantView.list(r.body().path("groups"), ", ") + ")"
                        + (idle > 0 ? "; the session ends after " + GrantCommand.format(java.time.Duration.ofSeconds(idle))
                        + " without use" : "") + "; saved in " + file);
                return GrantCommand.OK;
            });
        }

        /** Plain http is fine on loopback (a local server, a tunnel); anywhere else it exposes the passphrase. */
        private static boolean inClear(String base) {
            URI u = URI.create(base);
            String host = u.getHost() == null ? "" : u.getHost();
            return "http".equalsIgnoreCase(u.getScheme()) && !host.equals("localhost") && !host.startsWith("127.")
                    && !host.equals("[::1]") && !host.equals("::1");
        }
    }

    @Command(name = "logout", mixinStandardHelpOptions = true, description = "End the session on the server and delete the session file.")
    static final class Logout implements Callable<Integer> {
        @Mixin
        SessionOption session;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return GrantCommand.run(spec, () -> {
                // Not strict: a session file others could read is exactly the one to end now.
                OpsSessionFile.Session s = OpsSessionFile.read(session.path(), false).orElse(null);
                if (s == null) {
                    spec.commandLine().getOut().println("not signed in");
                    return GrantCommand.OK;
                }
                String warning = null;
                try {
                    AirlockHttp.Reply r = new AirlockHttp(s.url()).delete("/v1/ops/session", bearer(s));
                    if (!r.ok() && r.status() != 401) warning = r.explain();
                } catch (CliFailure e) {
                    warning = e.getMessage();
                }
                OpsSessionFile.delete(session.path());
                if (warning != null) {
                    spec.commandLine().getErr().println("warning: the server did not confirm the sign-out (" + warning
                            + "); the session ends by itself when idle");
                }
                spec.commandLine().getOut().println("signed out of " + s.url() + "; deleted " + session.path());
                return GrantCommand.OK;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false, description = "List grants, pending ones by default.")
    static final class ListGrants implements Callable<Integer> {
        @Option(names = "--status", defaultValue = "pending",
                description = "pending, approved, redeemed, denied, expired, cancelled or all (default: ${DEFAULT-VALUE})")
        String status;

        @Option(names = "--limit", defaultValue = "50",
                description = "show at most this many grants, newest first, fetched page by page (1 to 10000; default: ${DEFAULT-VALUE})")
        int limit;

        @Option(names = "--json", description = "print the grants as JSON: {\"grants\": [...], \"next_cursor\": ...}")
        boolean json;

        @Mixin
        SessionOption session;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** The server's largest page (GrantPage.MAX_LIMIT); the CLI follows next_cursor up to --limit grants. */
        static final int PAGE = 200;
        static final int MAX_LIMIT = 10_000;

        @Override
        public Integer call() {
            return GrantCommand.run(spec, () -> {
                if (!status.matches("pending|approved|redeemed|denied|expired|cancelled|all")) {
                    throw new CliFailure(2, "--status must be pending, approved, redeemed, denied, expired, cancelled or all");
                }
                if (limit < 1 || limit > MAX_LIMIT) throw new CliFailure(2, "--limit must be between 1 and " + MAX_LIMIT);
                OpsSessionFile.Session s = session.require();
                String base = "all".equals(status) ? "/v1/grants?" : "/v1/grants?status=" + status + "&";
                com.fasterxml.jackson.databind.node.ArrayNode grants =
                        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
                String cursor = null;
                do {
                    int want = Math.min(PAGE, limit - grants.size());
                    String path = base + "limit=" + want + (cursor == null ? ""
                            : "&cursor=" + java.net.URLEncoder.encode(cursor, java.nio.charset.StandardCharsets.UTF_8));
                    AirlockHttp.Reply r = new AirlockHttp(s.url()).get(path, bearer(s));
                    if (!r.ok()) throw refusal(s, "listing grants", r);
                    grants.addAll((com.fasterxml.jackson.databind.node.ArrayNode) r.body().path("grants"));
                    JsonNode next = r.body().path("next_cursor");
                    cursor = next.isTextual() ? next.asText() : null;
                } while (cursor != null && grants.size() < limit);
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    com.fasterxml.jackson.databind.node.ObjectNode body =
                            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
                    body.set("grants", grants);
                    body.put("next_cursor", cursor);
                    GrantCommand.print(out, body, true);
                } else if (grants.isEmpty()) {
                    out.println("no " + ("all".equals(status) ? "" : status + " ") + "grants");
                } else {
                    GrantView.table(out, grants);
                    if (cursor != null) out.println("(the newest " + grants.size() + " shown; more with --limit)");
                }
                return GrantCommand.OK;
            });
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Everything about one grant: agent, each scope with its risk, resources, what approving permits,",
                    "reason, command, approvals, the agent's recent refusals, and whether you may decide it."})
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the grant id")
        String id;

        @Option(names = "--json", description = "print the server's JSON as it is")
        boolean json;

        @Mixin
        SessionOption session;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return GrantCommand.run(spec, () -> {
                OpsSessionFile.Session s = session.require();
                GrantCommand.print(spec.commandLine().getOut(), fetch(s, id), json);
                return GrantCommand.OK;
            });
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Approve a pending grant with a fresh one-time code (asked for after the grant is shown).",
                    "A code counts once: not the one you signed in with; wait for the next one."})
    static final class Approve implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the grant id")
        String id;

        @Option(names = "--code", paramLabel = "CODE", description = "the one-time code, for scripts (otherwise you are asked)")
        String code;

        @Mixin
        SessionOption session;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return GrantCommand.run(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                OpsSessionFile.Session s = session.require();
                JsonNode grant = fetch(s, id);
                GrantView.detail(out, grant);
                out.println();
                out.flush();
                // A grant that is no longer pending, or that this person may not approve (owner, already approved,
                // not an approver: the server's "you"), is refused before any code is checked: let the server say so
                // (with its code) rather than ask for a code that cannot count.
                String answer = code;
                // A failing precondition (issue 16) is refused before the code too: no code is asked for.
                boolean mayApprove = grant.path("you").path("may_approve").asBoolean(true)
                        && grant.path("preconditions").path("passed").asBoolean(true);
                if (mayApprove && "pending".equals(grant.path("status").asText())
                        && "passkey".equals(grant.path("approval_factor").asText())) {
                    // WebAuthn needs a browser and the authenticator's gesture (issue 16): a terminal cannot sign.
                    throw new CliFailure(1, "grant " + GrantView.clean(id) + " needs a passkey approval (grants.yaml"
                            + " approval_factor: passkey); the CLI cannot sign with a passkey and a one-time code is"
                            + " not accepted for it. Approve it on the ops page: " + s.url() + "/ops/#/grants/"
                            + GrantView.clean(id) + " (no passkey yet? add one there under Passkeys first)");
                }
                if (answer == null && mayApprove && "pending".equals(grant.path("status").asText())) {
                    answer = new Prompter(spec.commandLine().getErr())
                            .line("one-time code to approve " + GrantView.clean(id) + " (a fresh one): ");
                }
                Map<String, Object> body = Map.of("code", answer == null ? "" : answer.replace(" ", "").strip());
                AirlockHttp.Reply r = new AirlockHttp(s.url()).postJson(path(id, "/approve"), bearer(s), body);
                if (!r.ok()) throw clockBehind(s, r).orElseGet(() -> refusal(s, "approval", r));
                JsonNode g = r.body().has("grant") ? r.body().path("grant") : r.body();
                out.println("approved grant " + GrantView.clean(id) + ": " + GrantView.approvals(g) + " approvals; "
                        + ("approved".equals(g.path("status").asText())
                        ? "the grant is approved: the agent's next poll collects its token"
                        : "it still needs another approver"));
                return GrantCommand.OK;
            });
        }
    }

    @Command(name = "deny", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Deny a pending grant. The reason is shown to the agent.")
    static final class Deny implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the grant id")
        String id;

        @Option(names = "--reason", required = true, description = "why not (the agent is told)")
        String reason;

        @Mixin
        SessionOption session;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return GrantCommand.run(spec, () -> {
                OpsSessionFile.Session s = session.require();
                AirlockHttp.Reply r = new AirlockHttp(s.url()).postJson(path(id, "/deny"), bearer(s), Map.of("reason", reason));
                if (!r.ok()) throw refusal(s, "denial", r);
                spec.commandLine().getOut().println("denied grant " + GrantView.clean(id) + "; the agent is told: "
                        + GrantView.clean(reason));
                return GrantCommand.OK;
            });
        }
    }

    static JsonNode fetch(OpsSessionFile.Session s, String id) throws CliFailure {
        AirlockHttp.Reply r = new AirlockHttp(s.url()).get(path(id, ""), bearer(s));
        if (!r.ok()) throw refusal(s, "showing grant " + GrantView.clean(id), r);
        return r.body();
    }

    private static String path(String id, String action) {
        return "/v1/grants/" + AirlockHttp.segment(id) + action;
    }

    private static String bearer(OpsSessionFile.Session s) {
        return "Bearer " + s.token();
    }

    /** The server's refusal in words; a 401 means the session is gone, and the fix is to sign in again. */
    /**
     * "Code invalid" also answers a genuine code refused because this person's last accepted code was for a time
     * ahead of the server's clock (corrected backwards since); the session says so, with the operator command.
     */
    static java.util.Optional<CliFailure> clockBehind(OpsSessionFile.Session s, AirlockHttp.Reply r) throws CliFailure {
        if (!"code_invalid".equals(r.body().path("code").asText())) return java.util.Optional.empty();
        String notice = new AirlockHttp(s.url()).get("/v1/ops/session", bearer(s)).body().path("totp_notice").asText("");
        return notice.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(new CliFailure(1,
                "approval refused (HTTP " + r.status() + "): " + GrantView.clean(notice) + " (clock_behind)"));
    }

    static CliFailure refusal(OpsSessionFile.Session s, String what, AirlockHttp.Reply r) {
        if (r.status() == 401) {
            return new CliFailure(1, what + " refused: not signed in, or the session ended (idle timeout, sign-out,"
                    + " server restart): run 'airlock grants login --url " + s.url()
                    + (s.name().isEmpty() ? " --name NAME" : " --name " + GrantView.clean(s.name())) + "'");
        }
        String retry = r.status() == 429 && r.retryAfter().isPresent()
                ? "; try again in " + r.retryAfter().getAsLong() + " s" : "";
        return new CliFailure(1, what + " refused (HTTP " + r.status() + "): " + r.explain() + retry);
    }
}
