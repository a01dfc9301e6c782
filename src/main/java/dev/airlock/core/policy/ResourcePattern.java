package dev.airlock.core.policy;

import java.util.Objects;

/**
 * A resource an environment owns: an exact id or a glob where {@code *} stands for any run of characters.
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

    public boolean matches(String resourceId) {
        return Glob.matches(pattern, resourceId);
    }
}
