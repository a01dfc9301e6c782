package dev.airlock.core.policy;

/**
 * Which fresh second factor an approval must carry ({@code grants.yaml} {@code approval_factor}, issue 16). TOTP is
 * what every approval used before passkeys existed, and stays the default: a policy that says nothing keeps working
 * as it did. A passkey with user verification needs the approver's device and gesture; a TOTP seed can sit on the same
 * machine as an agent, which is why a policy may refuse it where the harm is greatest.
 */
public enum ApprovalFactor {
    /** Only a WebAuthn assertion with user verification, over the grant's derived challenge. */
    PASSKEY,
    /** Only a TOTP code (RFC 6238): the behaviour before issue 16, and the default. */
    TOTP,
    /** Either. */
    ANY;

    public static ApprovalFactor parse(String s) {
        return switch (s) {
            case "passkey" -> PASSKEY;
            case "totp" -> TOTP;
            case "any" -> ANY;
            default -> throw new IllegalArgumentException("approval_factor must be passkey, totp or any, not '" + s + "'");
        };
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean allowsPasskey() {
        return switch (this) {
            case PASSKEY, ANY -> true;
            case TOTP -> false;
        };
    }

    public boolean allowsTotp() {
        return switch (this) {
            case TOTP, ANY -> true;
            case PASSKEY -> false;
        };
    }
}
