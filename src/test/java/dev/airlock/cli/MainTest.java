package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@link Main} builds only the subcommand a run names ({@link Main#commandLine(String...)}); this checks that doing
 * so changes nothing a user sees, and that the table of names matches the commands' own {@code @Command} names.
 */
class MainTest {
    record Run(int exit, String out, String err) {}

    private static Run run(CommandLine cli, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    @Test
    void tableNamesEachCommandByItsOwnAnnotation() {
        Main.SUBCOMMANDS.forEach((name, command) -> {
            Object instance = command.get();
            CommandLine.Command annotation = instance.getClass().getAnnotation(CommandLine.Command.class);
            assertEquals(name, annotation.name(), instance.getClass().getName());
        });
        assertEquals(List.of("serve", "lint", "token", "check", "revoke", "env", "scan", "agent", "audit", "ops", "grant",
                "grants", "keys", "policy", "help"), new ArrayList<>(Main.SUBCOMMANDS.keySet()));
    }

    @Test
    void aNamedSubcommandIsBuiltAloneAndAnythingElseGetsTheWholeTree() {
        assertEquals(Set.of("serve"), Main.commandLine("serve", "--port", "1").getSubcommands().keySet());
        assertEquals(Set.of("grants"), Main.commandLine("grants", "list").getSubcommands().keySet());
        Set<String> all = Main.SUBCOMMANDS.keySet();
        for (String[] args : List.of(new String[0], new String[] {"--help"}, new String[] {"help", "serve"},
                new String[] {"serv"}, new String[] {"SERVE"})) {
            assertEquals(all, Main.commandLine(args).getSubcommands().keySet(), String.join(" ", args));
        }
    }

    @Test
    void theOneSubcommandTreeAnswersExactlyAsTheWholeTree() {
        List<String[]> cases = new ArrayList<>();
        for (Map.Entry<String, ?> e : Main.SUBCOMMANDS.entrySet()) {
            if (e.getKey().equals("help")) continue;
            cases.add(new String[] {e.getKey(), "--help"});
            cases.add(new String[] {e.getKey(), "--no-such-option"});
        }
        cases.add(new String[] {"grants", "nosuch"});
        cases.add(new String[] {"ops", "add", "--help"});
        cases.add(new String[] {"serve", "--port", "0"});
        for (String[] args : cases) {
            Run lazy = run(Main.commandLine(args), args);
            Run whole = run(Main.commandLine(), args);
            assertEquals(whole, lazy, String.join(" ", args));
        }
    }
}
