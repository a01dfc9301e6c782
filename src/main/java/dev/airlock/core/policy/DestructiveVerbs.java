package dev.airlock.core.policy;

import java.util.Set;

/**
 * Verbs that are destructive whatever the policy says. Policy may add destructive scopes
 * (risk: destructive on any verb) but can never declare one of these verbs read or write.
 */
public final class DestructiveVerbs {
    public static final Set<String> BUILT_IN = Set.of(
            "delete", "destroy", "drop", "truncate", "purge", "wipe", "erase", "terminate",
            "remove", "shred", "reset", "revoke", "detach", "deprovision", "uninstall", "kill", "nuke");

    private DestructiveVerbs() {}

    public static boolean isBuiltIn(String verb) {
        return BUILT_IN.contains(verb);
    }
}
