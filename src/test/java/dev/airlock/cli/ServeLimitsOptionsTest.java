package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import dev.airlock.http.ConnectionLimits;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve's connection limits (issue 13): out of range is refused before anything starts, naming the bound. */
class ServeLimitsOptionsTest {
    @TempDir
    Path tmp;

    private Run serve(String... extra) {
        String[] args = new String[extra.length + 5];
        args[0] = "serve";
        args[1] = "--data";
        args[2] = tmp.resolve("data").toString();
        args[3] = "--policy";
        args[4] = Path.of("scopes").toAbsolutePath().toString();
        System.arraycopy(extra, 0, args, 5, extra.length);
        return Runner.run(null, args);
    }

    @Test
    void maxConnectionsAboveTheDescriptorBoundOrBelowOneIsRefused() {
        long above = (long) ConnectionLimits.descriptorBound() + 1;
        Run r = serve("--max-connections", Long.toString(Math.min(above, Integer.MAX_VALUE)));
        if (above <= Integer.MAX_VALUE) {
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().contains("the descriptor limit, ulimit -n"), r.err());
        }
        Run zero = serve("--max-connections", "0");
        assertEquals(2, zero.exit(), zero.toString());
        assertTrue(zero.err().contains("--max-connections must be between 1 and"), zero.err());
    }

    @Test
    void requestDeadlineOutOfRangeIsRefused() {
        Run r = serve("--request-deadline", "0");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("--request-deadline must be between 1 and 300 seconds"), r.err());
    }
}
