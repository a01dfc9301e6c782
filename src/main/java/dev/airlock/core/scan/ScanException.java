package dev.airlock.core.scan;

/** The folder cannot be scanned at all (missing, not a folder, unreadable): {@code airlock scan} exits 2. */
public final class ScanException extends Exception {
    private static final long serialVersionUID = 1L;

    public ScanException(String message) {
        super(message, null, false, false);
    }
}
