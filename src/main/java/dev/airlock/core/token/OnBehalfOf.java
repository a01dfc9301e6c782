package dev.airlock.core.token;

import java.util.Objects;

/**
 * The person a delegated token (RFC 8693 token exchange) acts for: who vouched for them ({@code issuerId}, the entry
 * of {@code identity.yaml}, and its {@code iss} URL), their subject at that issuer, and a display name if the issuer
 * gives one. The token's {@code sub} is {@link #canonicalSubject()}: the issuer id (no ':' in its alphabet) before
 * the first ':', so two identity providers' equal subjects never name the same person, and no user subject can equal
 * an agent id (agent ids have no ':' either).
 *
 * @param name the value of the issuer's {@code name_claim}, or null
 */
public record OnBehalfOf(String issuerId, String issuer, String subject, String name) {
    public OnBehalfOf {
        Objects.requireNonNull(issuerId);
        Objects.requireNonNull(issuer);
        Objects.requireNonNull(subject);
        if (issuerId.indexOf(':') >= 0) throw new IllegalArgumentException("issuer id with ':'");
    }

    public String canonicalSubject() {
        return issuerId + ":" + subject;
    }
}
