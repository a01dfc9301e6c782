package dev.airlock.core.journal;

import java.io.IOException;

/**
 * A write or catch-up failed because of a {@link StorageHealth.Fault}: the HTTP layer answers 503 with
 * {@code Retry-After} and logs nothing (the fault was logged once when it started). The message names the file and
 * the reason, never a line's content.
 */
public final class StorageUnavailable extends IOException {
    private final StorageHealth.Fault fault;

    public StorageUnavailable(StorageHealth.Fault fault, Throwable cause) {
        super(fault.describe(), cause);
        this.fault = fault;
    }

    public StorageHealth.Fault fault() {
        return fault;
    }

    /** The storage fault behind {@code t} (through any wrapping of futures), if it is one. */
    public static java.util.Optional<StorageUnavailable> in(Throwable t) {
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof StorageUnavailable s) return java.util.Optional.of(s);
        }
        return java.util.Optional.empty();
    }
}
