package dev.airlock.core.grant;

import java.util.Set;

/** An authenticated person acting on grants: an ops account name and its groups. Never an agent. */
public record Approver(String name, Set<String> groups) {
    public Approver {
        groups = Set.copyOf(groups);
    }
}
