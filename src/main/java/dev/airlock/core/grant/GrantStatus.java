package dev.airlock.core.grant;

/**
 * {@code pending → approved → redeemed}, or {@code denied}, {@code expired}, {@code cancelled}. Only {@code pending} and
 * {@code approved} can still change; the rest are final.
 */
public enum GrantStatus {
    PENDING, APPROVED, REDEEMED, DENIED, EXPIRED, CANCELLED;

    public boolean isFinal() {
        return this != PENDING && this != APPROVED;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
