package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import picocli.CommandLine;

/**
 * Every command answers {@code --help} with exit 0 and a usage naming itself, on standard output; a missing or
 * unknown command is an error (non-zero, usage on standard error). In process, through {@link Main#commandLine()}.
 */
class CliHelpTest {
    /** Each command, with options its usage must mention (the ones a user reaches for first). */
    private static final Map<String, List<String>> COMMANDS = new TreeMap<>(Map.of(
            "serve", List.of("--port", "--data", "--policy"),
            "lint", List.of("--policy"),
            "scan", List.of("DIR", "--json", "--include-home", "--max-files", "Exit codes"),
            "token", List.of("--url", "--client-id", "--env", "--scope"),
            "check", List.of("--url", "--env", "--action", "--resource"),
            "revoke", List.of("--jti", "--token", "--data"),
            "env freeze", List.of("ENVIRONMENT", "--data"),
            "env unfreeze", List.of("ENVIRONMENT", "--data"),
            "agent add", List.of("ID", "--data"),
            "audit verify", List.of("--data")));

    static {
        COMMANDS.putAll(Map.of(
                "grant request", List.of("--env", "--scope", "--resource", "--reason", "--command", "--wait", "--client-id"),
                "grant wait", List.of("ID", "--interval", "--timeout"),
                "grant status", List.of("ID", "--json"),
                "grant cancel", List.of("ID"),
                "grants login", List.of("--url", "--name"),
                "grants logout", List.of(),
                "grants list", List.of("--status", "--limit", "--json"),
                "grants show", List.of("ID"),
                "grants approve", List.of("ID", "--code"),
                "grants deny", List.of("ID", "--reason")));
        COMMANDS.put("env", List.of("ENVIRONMENT", "--url", "--client-id", "--secret-file", "--key-file", "--scope",
                "--shell", "freeze", "unfreeze", "AIRLOCK_TOKEN_EXPIRES_AT", "-- freeze"));
        COMMANDS.putAll(Map.of(
                "ops add", List.of("NAME", "--group", "--no-qr"),
                "ops reset", List.of("NAME"),
                "ops disable", List.of("NAME"),
                "ops list", List.of()));
    }

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void everyCommandAndSubcommandAnswersHelpWithItsOwnUsage() {
        List<Executable> checks = new ArrayList<>();
        COMMANDS.forEach((command, options) -> {
            for (String flag : List.of("--help", "-h")) {
                checks.add(() -> {
                    String[] args = Stream.concat(Stream.of(command.split(" ")), Stream.of(flag)).toArray(String[]::new);
                    Run r = run(args);
                    String what = "airlock " + command + " " + flag;
                    assertEquals(0, r.exit(), what + " exit; err: " + r.err());
                    assertTrue(r.out().startsWith("Usage: airlock " + command + " "),
                            what + " should start with its own usage line:\n" + r.out());
                    for (String option : options) {
                        assertTrue(r.out().contains(option), what + " should mention " + option + ":\n" + r.out());
                    }
                    assertTrue(r.out().contains("-h, --help"), what + " should list --help:\n" + r.out());
                    assertEquals("", r.err(), what + " writes nothing to stderr");
                });
            }
        });
        assertAll(checks);
    }

    @Test
    void commandGroupsAndTheRootAnswerHelpListingTheirSubcommands() {
        Map<String, List<String>> groups = Map.of(
                "", List.of("serve", "lint", "token", "check", "revoke", "env", "scan", "agent", "audit", "grant", "grants", "ops"),
                "grant", List.of("request", "wait", "status", "cancel"),
                "grants", List.of("login", "logout", "list", "show", "approve", "deny"),
                "ops", List.of("add", "reset", "disable", "list"),
                "env", List.of("freeze", "unfreeze"),
                "agent", List.of("add", "list", "disable", "enable", "revoke-tokens"),
                "audit", List.of("verify"));
        List<Executable> checks = new ArrayList<>();
        groups.forEach((group, subcommands) -> checks.add(() -> {
            List<String> args = new ArrayList<>(group.isEmpty() ? List.of() : List.of(group));
            args.add("--help");
            Run r = run(args.toArray(String[]::new));
            String name = group.isEmpty() ? "airlock" : "airlock " + group;
            assertEquals(0, r.exit(), name + " --help exit; err: " + r.err());
            assertTrue(r.out().startsWith("Usage: " + name + " "), name + " --help:\n" + r.out());
            for (String sub : subcommands) {
                assertTrue(r.out().matches("(?s).*\\n\\s+" + sub + "\\s.*"), name + " --help should list " + sub + ":\n" + r.out());
            }
        }));
        assertAll(checks);
    }

    @Test
    void helpSubcommandShowsTheNamedCommandsUsage() {
        Run r = run("help", "serve");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("Usage: airlock serve "), r.out());
    }

    @Test
    void versionIsPrinted() {
        Run r = run("--version");
        assertEquals(0, r.exit(), r.err());
        assertEquals("airlock 0.1.0", r.out().trim());
    }

    @Test
    void noCommandIsAnErrorWithUsageOnStderr() {
        Run r = run();
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("Usage: airlock "), r.err());
        assertTrue(r.err().contains("name a command"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void unknownCommandOrMissingSubcommandIsAnErrorWithUsage() {
        List<Executable> checks = new ArrayList<>();
        Map<List<String>, String> cases = Map.of(
                List.of("bogus"), "Usage: airlock ",
                List.of("env"), "Usage: airlock env ",
                List.of("agent"), "Usage: airlock agent ",
                List.of("audit"), "Usage: airlock audit ",
                List.of("env", "thaw", "production"), "Usage: airlock env ",
                List.of("serve", "--no-such-option"), "Usage: airlock serve ");
        cases.forEach((args, usage) -> checks.add(() -> {
            Run r = run(args.toArray(String[]::new));
            assertNotEquals(0, r.exit(), args + " exit");
            assertTrue(r.err().contains(usage), args + " should print '" + usage + "' on stderr:\n" + r.err());
            assertEquals("", r.out(), args + " writes nothing to stdout");
        }));
        assertAll(checks);
    }
}
