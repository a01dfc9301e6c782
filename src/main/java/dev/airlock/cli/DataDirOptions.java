package dev.airlock.cli;

import dev.airlock.app.AirlockConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that touches local state shares. */
final class DataDirOptions {
    @Option(names = "--data", paramLabel = "DIR", description = "state directory (default: ${DEFAULT-VALUE})",
            defaultValue = AirlockConfig.DEFAULT_DATA)
    Path data;

    @Option(names = "--policy", paramLabel = "DIR", description = "policy directory (default: ${DEFAULT-VALUE})",
            defaultValue = AirlockConfig.DEFAULT_POLICY)
    Path policy;

    /** Not an option: what {@link LocalState} puts around the real store and audit log (tests inject faults). */
    LocalState.Wrapping wrapping = LocalState.Wrapping.NONE;
}
