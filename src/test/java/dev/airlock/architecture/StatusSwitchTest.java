package dev.airlock.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.grant.GrantRedemption;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A {@code switch} over a status lists every status, with no {@code default}: a status added later must be a compile
 * error at every switch, never silently handled by a default branch (the grant redemption's {@code default}
 * redeemed, so any new status would have yielded a token).
 *
 * <p>Checked on the compiled classes, where the difference is visible. javac compiles a {@code switch} expression
 * over an enum without {@code default} (which it requires to be exhaustive) to a table whose default target throws
 * {@code IncompatibleClassChangeError} (Java 17 to 20) or {@code MatchException} (21 and later); a switch statement,
 * or any switch with a {@code default}, has no such throw. So in every method, each read of a status enum's switch
 * map ({@code $SwitchMap$...Status}) must be matched by one such construction. The JDK's own {@code javap} reads the
 * bytecode (ArchUnit hides switch-map accesses).
 */
class StatusSwitchTest {
    private static final String SWITCH_MAP = "$SwitchMap$";

    record StatusSwitches(String method, int switches, int exhaustive) {}

    static Path productionClasses() throws Exception {
        return Path.of(GrantRedemption.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Every method of a production class that switches over a status enum, with its count of switches and throws. */
    static List<StatusSwitches> statusSwitches() throws Exception {
        List<Path> candidates;
        try (Stream<Path> files = Files.walk(productionClasses())) {
            candidates = files.filter(f -> f.toString().endsWith(".class")).filter(StatusSwitchTest::mentionsSwitchMap)
                    .toList();
        }
        List<StatusSwitches> out = new ArrayList<>();
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
        for (Path classFile : candidates) {
            StringWriter text = new StringWriter();
            int exit = javap.run(new PrintWriter(text), new PrintWriter(new StringWriter()), "-p", "-c",
                    classFile.toString());
            assertEquals(0, exit, "javap " + classFile);
            String method = null;
            int switches = 0;
            int exhaustive = 0;
            for (String line : text.toString().split("\n")) {
                boolean header = line.startsWith("  ") && !line.startsWith("   ") && line.endsWith(";");
                if (header || line.equals("}")) {
                    if (method != null && switches > 0) out.add(new StatusSwitches(method, switches, exhaustive));
                    method = header ? classFile.getFileName() + ": " + line.strip() : null;
                    switches = 0;
                    exhaustive = 0;
                } else if (line.contains("getstatic") && line.contains("." + SWITCH_MAP)
                        && line.substring(line.indexOf(SWITCH_MAP)).split(":")[0].endsWith("Status")) {
                    // "Owner.$SwitchMap$...": a switch reading the map of a synthetic class (which, filling its own
                    // map in its static initialiser, names the field without an owner)
                    switches++;
                } else if (line.contains("// class java/lang/IncompatibleClassChangeError")
                        || line.contains("// class java/lang/MatchException")) {
                    exhaustive++;
                }
            }
        }
        return out;
    }

    private static boolean mentionsSwitchMap(Path classFile) {
        try {
            return new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1).contains(SWITCH_MAP);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theGrantRedemptionDecidesByASwitchOverTheGrantStatus() throws Exception {
        // The guard of the rule below: without a switch found, "every switch is exhaustive" would prove nothing.
        assertTrue(statusSwitches().stream().anyMatch(s -> s.method().startsWith("GrantRedemption.class")),
                "no switch over GrantStatus found in GrantRedemption: " + statusSwitches());
    }

    @Test
    void everySwitchOverAStatusIsAnExhaustiveSwitchExpressionWithoutDefault() throws Exception {
        for (StatusSwitches s : statusSwitches()) {
            assertEquals(s.switches(), s.exhaustive(), s.method() + " switches over a status with a default branch"
                    + " or as a statement: write a switch expression that lists every status");
        }
    }
}
