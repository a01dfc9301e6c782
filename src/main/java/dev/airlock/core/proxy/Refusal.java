package dev.airlock.core.proxy;

/**
 * A refusal found deep inside mapping, carried to the mapper's edge and turned into {@link MappingResult.Refused}.
 * Control flow for the caller's mistakes, so no stack trace is captured.
 */
final class Refusal extends Exception {
    private final String code;

    Refusal(String code, String reason) {
        super(reason, null, false, false);
        this.code = code;
    }

    MappingResult.Refused result() {
        return new MappingResult.Refused(code, getMessage());
    }
}
