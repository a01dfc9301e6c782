package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import picocli.CommandLine;

/** Issue 16: a mistyped option or subcommand gets a "Did you mean" line, on every command, before the usage. */
class DidYouMeanTest {
    private static void assertSuggests(String expected, String... args) {
        Run r = Runner.run(null, args);
        assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("\nDid you mean: " + expected + "?\n"), String.join(" ", args) + ":\n" + r.err());
        assertTrue(r.err().contains("Usage: airlock"), "the usage still follows: " + r.err());
    }

    @Test
    void aMistypedOptionGetsTheNearestOne() {
        assertSuggests("--jti", "revoke", "--jit", "AAAAAAAAAAAAAAAAAAAAAA");
        assertSuggests("--policy", "lint", "--polcy", "scopes");
        assertSuggests("--port", "serve", "--prot", "8080");
        assertSuggests("--policy", "serve", "--polciy=scopes");
    }

    @Test
    void aMistypedOptionIsNamedEvenWhenAnotherErrorComesFirst() {
        // picocli reports the missing --group first; the typo that caused it is named too.
        assertSuggests("--group", "ops", "add", "dana", "--gruop", "ops");
    }

    @Test
    void aMistypedSubcommandGetsTheNearestOne() {
        assertSuggests("airlock grants", "grnats", "list");
        assertTrue(!Runner.run(null, "grnats", "list").err().contains("airlock lint?"), "one suggestion, not two");
        assertSuggests("airlock ops add", "ops", "ad", "dana");
        assertSuggests("airlock env unfreeze", "env", "unfreze", "staging");
    }

    @Test
    void everyCommandSuggestsItsOwnOptions() {
        List<Executable> checks = new ArrayList<>();
        walk(Main.commandLine(), new ArrayList<>(), checks);
        assertTrue(checks.size() > 20, "commands with options: " + checks.size());
        assertAll(checks);
    }

    private static void walk(CommandLine cmd, List<String> path, List<Executable> checks) {
        String option = cmd.getCommandSpec().optionsMap().keySet().stream()
                .filter(n -> n.startsWith("--") && n.length() >= 7 && !n.equals("--version"))
                .sorted().findFirst().orElse(null);
        if (option != null) {
            // Two neighbouring letters swapped in the middle: the commonest typo.
            int i = option.length() / 2;
            String typo = option.substring(0, i) + option.charAt(i + 1) + option.charAt(i) + option.substring(i + 2);
            List<String> args = new ArrayList<>(path);
            args.add(typo);
            checks.add(() -> {
                Run r = Runner.run(null, args.toArray(String[]::new));
                assertTrue(r.err().contains("Did you mean: " + option + "?"), args + ":\n" + r.err());
            });
        }
        cmd.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help")) return;
            List<String> deeper = new ArrayList<>(path);
            deeper.add(name);
            walk(sub, deeper, checks);
        });
    }
}
