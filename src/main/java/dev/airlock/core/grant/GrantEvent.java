package dev.airlock.core.grant;

import java.time.Instant;

/**
 * Something that happened to a grant, for notifications.
 *
 * @param type  {@code created}, {@code approved} (one approval; the grant may still be pending), {@code denied},
 *              {@code expired}, {@code cancelled} or {@code redeemed}
 * @param actor the ops account or agent that caused it, or {@code airlock} for expiry
 */
public record GrantEvent(String type, Grant grant, String actor, Instant at) {}
