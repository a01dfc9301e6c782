package dev.airlock.core.policy;

import java.util.Objects;
import java.util.Optional;

/**
 * A scope {@code <resource-type>:<verb>} from the catalog.
 *
 * <p>Policy can raise a risk, never lower it: a verb with a built-in destructive word ({@link DestructiveWords}) makes
 * the scope {@link Risk#DESTRUCTIVE} whatever {@code risk} says. The loader reports such a declaration as an error
 * first; this constructor makes sure that no other way of building a scope (a policy built in code) can lower one.
 *
 * @param grantRequired policy says this scope is only ever issued through a human grant, even if not destructive
 */
public record Scope(String name, String resourceType, String verb, Risk risk, boolean grantRequired, String description) {
    public Scope {
        Objects.requireNonNull(name);
        Objects.requireNonNull(resourceType);
        Objects.requireNonNull(verb);
        Objects.requireNonNull(risk);
        if (DestructiveWords.destructivePart(verb).isPresent()) risk = Risk.DESTRUCTIVE;
        description = description == null ? "" : description;
    }

    public boolean destructive() {
        return risk == Risk.DESTRUCTIVE;
    }

    /** True if the token endpoint may mint this scope without a human grant. */
    public boolean automatic() {
        return !destructive() && !grantRequired;
    }

    /** The built-in destructive word of the verb, if it has one. */
    public Optional<String> destructiveWord() {
        return DestructiveWords.destructivePart(verb);
    }

    /**
     * Why a human must grant this scope, for refusals: {@code volume:destroy_all is destructive: its verb contains the
     * built-in destructive word 'destroy'}, {@code ... is destructive: declared so in scopes.yaml}, or
     * {@code ... is grant_required in scopes.yaml}. Empty for an automatic scope.
     */
    public String whyNotAutomatic() {
        if (destructive()) {
            return name + " is destructive: " + destructiveWord()
                    .map(w -> "its verb contains the built-in destructive word '" + w + "'")
                    .orElse("declared so in scopes.yaml");
        }
        return grantRequired ? name + " is grant_required in scopes.yaml" : "";
    }
}
