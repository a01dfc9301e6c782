package dev.airlock.core.policy;

/** How an agent authenticates at the token endpoint (RFC 7591 token_endpoint_auth_method names). */
public enum AuthMethod {
    CLIENT_SECRET_BASIC("client_secret_basic"),
    PRIVATE_KEY_JWT("private_key_jwt");

    private final String wireName;

    AuthMethod(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static AuthMethod parse(String s) {
        for (AuthMethod m : values()) {
            if (m.wireName.equals(s)) return m;
        }
        throw new IllegalArgumentException("auth must be client_secret_basic or private_key_jwt, not '" + s + "'");
    }
}
