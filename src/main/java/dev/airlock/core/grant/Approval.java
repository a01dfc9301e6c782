package dev.airlock.core.grant;

import java.time.Instant;

/** One person's approval. {@code by} is an ops account name; one person counts once. */
public record Approval(String by, Instant at) {}
