package dev.airlock.core.policy;

import java.util.Objects;

/**
 * A scope {@code <resource-type>:<verb>} from the catalog.
 *
 * @param grantRequired policy says this scope is only ever issued through a human grant, even if not destructive
 */
public record Scope(String name, String resourceType, String verb, Risk risk, boolean grantRequired, String description) {
    public Scope {
        Objects.requireNonNull(name);
        Objects.requireNonNull(resourceType);
        Objects.requireNonNull(verb);
        Objects.requireNonNull(risk);
        description = description == null ? "" : description;
    }

    public boolean destructive() {
        return risk == Risk.DESTRUCTIVE;
    }

    /** True if the token endpoint may mint this scope without a human grant. */
    public boolean automatic() {
        return !destructive() && !grantRequired;
    }
}
