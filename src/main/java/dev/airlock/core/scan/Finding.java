package dev.airlock.core.scan;

import java.util.Objects;

/**
 * One credential an agent working in the scanned folder could read. It carries no part of the value: the
 * {@link Fingerprint} identifies it.
 *
 * @param path        relative to the scanned folder, {@code /}-separated ({@code ~/.aws/credentials} for home locations)
 * @param line        1-based; 0 for a file that is a credential store as a whole
 * @param kind        what it is, with its stable code and where to revoke it
 * @param fingerprint {@code sha256:} and 12 hex characters
 * @param provider    the Airlock provider to reach instead ({@code /proxy/<provider>/}), or null when none matches
 */
public record Finding(String path, int line, CredentialKind kind, String fingerprint, String provider) {
    public Finding {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(fingerprint, "fingerprint");
    }

    /** What to do about it, in one sentence or two. */
    public String advice() {
        String proxy = provider == null
                ? "give agents a provider definition and let them reach the provider only through Airlock's /proxy/<provider>/"
                : "let agents reach " + provider + " only through Airlock: /proxy/" + provider + "/ with their"
                        + " short-lived token (airlock env)";
        return kind.revoke() + "; remove it from " + (line == 0 ? "this machine" : "this file") + "; " + proxy + ".";
    }
}
