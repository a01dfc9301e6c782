package dev.airlock.core.scan;

/**
 * A credential found in one file, before it becomes a {@link Finding}: the only object that holds the value, and only
 * inside the scan of that one file. Not a record, so that no generated {@code toString} can print the value.
 */
final class Hit {
    /** Which detector family found it; the lower wins when two find the same value on one line. */
    enum Source { FORMAT, PROVIDER, LOCATION }

    final int line;
    final CredentialKind kind;
    final Source source;
    private final String value;
    /** The provider whose file declared the pattern, or whose credential variable this is; null when none. */
    final String provider;

    Hit(int line, CredentialKind kind, Source source, String value, String provider) {
        this.line = line;
        this.kind = kind;
        this.source = source;
        this.value = value;
        this.provider = provider;
    }

    String fingerprint() {
        return Fingerprint.of(value);
    }

    /** True if one value contains the other: the same credential found twice (the token and the line's value). */
    boolean overlaps(Hit other) {
        return line == other.line && (value.contains(other.value) || other.value.contains(value));
    }

    @Override
    public String toString() {
        return "Hit[line " + line + ", " + kind.code() + ", " + fingerprint() + "]";
    }
}
