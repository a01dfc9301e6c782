package dev.airlock.core.grant;

/**
 * Tells approvers about grants. Implementations must never block the caller and never throw: a failing webhook can
 * neither delay nor lose a grant (the grant is durable before anyone is notified).
 */
public interface GrantNotifier {
    void notify(GrantEvent event);

    GrantNotifier NONE = e -> { };
}
