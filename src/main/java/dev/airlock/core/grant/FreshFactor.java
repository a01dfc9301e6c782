package dev.airlock.core.grant;

import java.util.concurrent.CompletableFuture;

/**
 * The second factor an approval needs every time, even inside a session: a TOTP code from the approver's phone,
 * accepted once. Completes {@code true} only if the code is valid and was not used before.
 */
public interface FreshFactor {
    CompletableFuture<Boolean> verify(String approver, String code);
}
