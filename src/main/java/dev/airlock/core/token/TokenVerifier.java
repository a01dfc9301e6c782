package dev.airlock.core.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies Airlock's own tokens. Trust comes only from the key ring: the {@code kid} must name one of our keys
 * and the header's {@code alg} must be that key's algorithm (no algorithm confusion, RFC 8725 §3.1). Headers that
 * would let a token name its own key ({@code jku}, {@code x5u}, {@code jwk}, {@code x5c}) or extensions we do not
 * understand ({@code crit}) are refused outright rather than ignored.
 *
 * <p>The type decides the kind, and the kinds never mix (RFC 8725 §3.11): {@code at+jwt} is an ordinary access token
 * and must not carry a {@code grant} claim; {@value TokenMinter#GRANT_TYPE} is a one-shot grant token and must carry
 * one naming its grant. So an approval can neither be smuggled into a token that resource servers verify offline,
 * nor a grant token lose the claim that binds it to its grant. This is only whether the token is well-formed and
 * ours; whether it is usable now (revoked, frozen, audience, grant uses) is {@code core.check.TokenUsability}'s.
 */
public final class TokenVerifier {
    /** Longer than any token we mint; stops a huge string from reaching the parser. */
    public static final int MAX_TOKEN_LENGTH = 8192;
    /** Tolerance for clocks of replicas that share keys. */
    private static final Duration SKEW = Duration.ofSeconds(5);

    private final KeyRing keys;
    private final String issuer;
    private final Clock clock;
    /** Null: every call verifies in full. */
    private final VerifiedTokenCache cache;

    /** Verifies every token in full, every time. */
    public TokenVerifier(KeyRing keys, String issuer, Clock clock) {
        this(keys, issuer, clock, null);
    }

    /**
     * Verifies each distinct token's signature once and remembers its claims in {@code cache} (which must serve this
     * verifier only: its entries are what this key ring and issuer accepted). The lifetime is checked against the
     * clock on every call, cached or not; revocation, freezes and grant uses are {@code TokenUsability}'s checks and
     * run after every call (see {@link VerifiedTokenCache}).
     */
    public TokenVerifier(KeyRing keys, String issuer, Clock clock, VerifiedTokenCache cache) {
        this.keys = keys;
        this.issuer = issuer;
        this.clock = clock;
        this.cache = cache;
    }

    /** Why a token was not accepted. {@code code} is stable for machines, {@code reason} is for people. */
    public record Rejection(String code, String reason) {}

    /** Either {@code token} or {@code rejection} is set. */
    public record Result(AccessToken token, Rejection rejection) {
        public boolean ok() {
            return token != null;
        }

        static Result no(String code, String reason) {
            return new Result(null, new Rejection(code, reason));
        }
    }

    public Result verify(String jwt) {
        if (jwt == null || jwt.isEmpty()) return Result.no("missing", "no token");
        if (jwt.length() > MAX_TOKEN_LENGTH) return Result.no("malformed", "token longer than " + MAX_TOKEN_LENGTH);
        VerifiedTokenCache.Key key = cache == null ? null : VerifiedTokenCache.keyOf(jwt);
        if (key != null) {
            AccessToken known = cache.get(key);
            if (known != null) {
                // Signature, header, claims and spelling were verified when it was cached (only strings that passed
                // strictCompact are ever put, and the key is the exact string); time has moved since.
                Result r = timely(known, true, clock.instant());
                if (!r.ok()) cache.remove(key);
                return r;
            }
        }
        if (!strictCompact(jwt)) {
            return Result.no("malformed", "not a compact JWS: three base64url parts without padding or whitespace"
                    + " (RFC 7515 §7.1)");
        }
        Verified v = verifyFully(jwt);
        // Only tokens with nbf are cached, so that a hit checks exactly what the full path checked.
        if (key != null && v.result.ok() && v.hasNotBefore) cache.put(key, v.result.token());
        return v.result;
    }

    /**
     * Exactly one spelling per token. nimbus's base64url decoder skips characters outside the alphabet and ignores
     * padding and the unused low bits of the last digit, and the signature part is not covered by the signature: so
     * without this, {@code sig}, {@code sig==}, {@code si g}, {@code si%g} and {@code sig} with another last digit
     * were all accepted as the same token (found by the JWT attack suite). Anything keyed on the token string (the
     * verified-token cache, a deny list of leaked tokens, the token hash in a log) would see several tokens.
     */
    static boolean strictCompact(String jwt) {
        int dots = 0;
        int partStart = 0;
        for (int i = 0; i <= jwt.length(); i++) {
            char c = i == jwt.length() ? '.' : jwt.charAt(i);
            if (c == '.') {
                if (++dots > 3 || !canonicalPart(jwt, partStart, i)) return false;
                partStart = i + 1;
            } else if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return dots == 3;
    }

    /** RFC 4648 §3.5: a non-empty base64url part whose last digit has its unused low bits zero. */
    private static boolean canonicalPart(String s, int from, int to) {
        int n = to - from;
        if (n == 0 || n % 4 == 1) return false;
        int unusedBits = n % 4 == 2 ? 4 : n % 4 == 3 ? 2 : 0;
        char last = s.charAt(to - 1);
        int value = last >= 'A' && last <= 'Z' ? last - 'A' : last >= 'a' && last <= 'z' ? last - 'a' + 26
                : last >= '0' && last <= '9' ? last - '0' + 52 : last == '-' ? 62 : 63;
        return (value & ((1 << unusedBits) - 1)) == 0;
    }

    private record Verified(Result result, boolean hasNotBefore) {
        static Verified no(String code, String reason) {
            return new Verified(Result.no(code, reason), false);
        }
    }

    private Verified verifyFully(String jwt) {
        SignedJWT signed;
        try {
            signed = SignedJWT.parse(jwt);
        } catch (ParseException e) {
            return Verified.no("malformed", "not a signed JWT");
        }
        JWSHeader h = signed.getHeader();
        if (h.getJWKURL() != null || h.getX509CertURL() != null || h.getJWK() != null || h.getX509CertChain() != null) {
            return Verified.no("untrusted_key", "token names its own key (jku/x5u/jwk/x5c); only Airlock's keys are trusted");
        }
        if (h.getCriticalParams() != null) return Verified.no("unsupported", "token has critical header parameters");
        boolean grantToken = TokenMinter.GRANT_JWT.equals(h.getType());
        if (!grantToken && !TokenMinter.AT_JWT.equals(h.getType())) {
            return Verified.no("wrong_type", "typ must be at+jwt (RFC 9068) or " + TokenMinter.GRANT_TYPE);
        }
        SigningKey key = h.getKeyID() == null ? null : keys.byKid(h.getKeyID()).orElse(null);
        if (key == null) return Verified.no("unknown_key", "token was not signed by this Airlock");
        if (!key.algorithm().equals(h.getAlgorithm())) {
            return Verified.no("wrong_algorithm", "alg " + h.getAlgorithm() + " does not match key " + key.kid());
        }
        try {
            if (!signed.verify(key.verifier())) return Verified.no("bad_signature", "signature does not verify");
        } catch (JOSEException | IllegalStateException e) {
            return Verified.no("bad_signature", "signature does not verify");
        }
        try {
            return claims(signed.getJWTClaimsSet(), grantToken);
        } catch (ParseException | ClassCastException e) {
            return Verified.no("malformed", "claims are malformed");
        }
    }

    private Verified claims(JWTClaimsSet c, boolean grantToken) throws ParseException {
        Instant now = clock.instant();
        if (!issuer.equals(c.getIssuer())) return Verified.no("wrong_issuer", "token was issued by another issuer");
        Date exp = c.getExpirationTime();
        Date iat = c.getIssueTime();
        Date nbf = c.getNotBeforeTime();
        String jti = c.getJWTID();
        String env = c.getStringClaim("env");
        String clientId = c.getStringClaim("client_id");
        String scope = c.getStringClaim("scope");
        List<String> aud = c.getAudience();
        if (exp == null || iat == null || jti == null || env == null || clientId == null || scope == null
                || aud.size() != 1 || c.getSubject() == null) {
            return Verified.no("malformed", "token lacks required claims");
        }
        Set<String> scopes = new LinkedHashSet<>(List.of(scope.split(" ")));
        scopes.remove("");
        Map<String, Object> grant = c.getJSONObjectClaim("grant");
        if (grantToken && !(grant != null && grant.get("id") instanceof String id && !id.isEmpty())) {
            return Verified.no("wrong_type", "a " + TokenMinter.GRANT_TYPE + " token must carry a grant claim with its id");
        }
        if (!grantToken && grant != null) {
            return Verified.no("wrong_type", "an at+jwt access token must not carry a grant claim; grant tokens are "
                    + TokenMinter.GRANT_TYPE);
        }
        Map<String, Object> act = c.getJSONObjectClaim("act");
        Map<String, Object> obo = c.getJSONObjectClaim(TokenMinter.ON_BEHALF_OF);
        OnBehalfOf user = null;
        if (act != null || obo != null) {
            // A delegated token (RFC 8693 §4.1): act names exactly the client (we mint no nested act), the user claim
            // is whole, and sub is the user's canonical form. Anything else would let a token name one party and be
            // used by another.
            user = delegated(act, obo, c.getSubject(), clientId);
            if (user == null) return Verified.no("malformed", "act, on_behalf_of and sub of a delegated token disagree");
            if (grantToken) return Verified.no("wrong_type", "a grant token is never delegated");
        } else if (!c.getSubject().equals(clientId)) {
            return Verified.no("malformed", "sub differs from client_id in a token without act");
        }
        AccessToken token = new AccessToken(jti, c.getSubject(), clientId, aud.get(0), env, scopes, iat.toInstant(),
                nbf == null ? iat.toInstant() : nbf.toInstant(), exp.toInstant(), grant, user);
        return new Verified(timely(token, nbf != null, now), nbf != null);
    }

    private static OnBehalfOf delegated(Map<String, Object> act, Map<String, Object> obo, String sub, String clientId) {
        if (act == null || obo == null || act.size() != 1 || !clientId.equals(act.get("sub"))) return null;
        if (!(obo.get("issuer") instanceof String id) || !(obo.get("iss") instanceof String iss)
                || !(obo.get("sub") instanceof String raw)) {
            return null;
        }
        Object name = obo.get("name");
        if (name != null && !(name instanceof String)) return null;
        OnBehalfOf user;
        try {
            user = new OnBehalfOf(id, iss, raw, (String) name);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return user.canonicalSubject().equals(sub) && !sub.equals(clientId) ? user : null;
    }

    /**
     * The lifetime check, the one part of a verified token's validity that changes by itself: the same function for
     * a freshly verified token and a cached one. {@code checkNotBefore} is false for a token without {@code nbf}.
     */
    private static Result timely(AccessToken t, boolean checkNotBefore, Instant now) {
        if (!now.isBefore(t.expiresAt())) return Result.no("expired", "token expired at " + t.expiresAt());
        if (checkNotBefore && now.plus(SKEW).isBefore(t.notBefore())) {
            return Result.no("not_yet_valid", "token is not valid before " + t.notBefore());
        }
        return new Result(t, null);
    }
}
