package dev.airlock.core.policy;

import java.util.Objects;

/**
 * A resource an environment owns: an exact id or a glob where {@code *} stands for any run of characters.
 * {@code pattern} is kept as written (for messages and source positions); it is matched in its
 * {@link CanonicalId canonical form}.
 *
 * @param type optional resource type (the part of a scope before the colon); null means any type
 */
public record ResourcePattern(String pattern, String type) {
    public ResourcePattern {
        Objects.requireNonNull(pattern);
    }

    public boolean isGlob() {
        return Glob.isGlob(pattern);
    }

    /** The pattern in canonical form: what {@link #matches} compares. */
    public String canonical() {
        return CanonicalId.of(pattern);
    }

    /** Whether {@code resourceId}, in any spelling with the same canonical form, is this resource or matches this glob. */
    public boolean matches(String resourceId) {
        return Glob.matches(pattern, resourceId);
    }
}
