package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.cli.GrantCommandTest.Run;
import dev.airlock.cli.GrantCommandTest.Runner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve --log-format (issue 14): text or json, anything else refused before anything starts. */
class ServeLogFormatOptionTest {
    @TempDir
    Path tmp;

    @Test
    void logFormatOtherThanTextOrJsonIsRefusedBeforeTheDataDirectoryIsTouched() {
        Path data = tmp.resolve("data");
        Run r = Runner.run(null, "serve", "--data", data.toString(), "--policy",
                Path.of("scopes").toAbsolutePath().toString(), "--log-format", "xml");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("--log-format must be text or json, not xml"), r.err());
        assertTrue(!Files.exists(data), "nothing was started");
    }
}
