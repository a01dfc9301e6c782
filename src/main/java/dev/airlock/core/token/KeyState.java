package dev.airlock.core.token;

/**
 * Where a signing key is in its life. Every state but {@link #DELETED} is published in the JWKS; only {@link #ACTIVE}
 * signs. The order is the only order: a key is published before it signs (so JWKS caches learn it first) and stays
 * published after it stops signing until the last token it signed has expired.
 */
public enum KeyState {
    /** Published, not yet signing: waiting out its publication delay. */
    NEXT,
    /** Published and signing; exactly one key is. */
    ACTIVE,
    /** Published, no longer signing: tokens it signed may still be alive. */
    RETIRED,
    /** Its last token has expired: no longer published, its file is removed. */
    DELETED
}
