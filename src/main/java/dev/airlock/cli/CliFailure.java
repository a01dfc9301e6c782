package dev.airlock.cli;

/**
 * A command ends early with this exit code and a message for standard error. Thrown by the helpers of the grant
 * commands (credentials, session file, prompts, HTTP) so that each command body reads as its happy path.
 */
final class CliFailure extends Exception {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    CliFailure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }
}
