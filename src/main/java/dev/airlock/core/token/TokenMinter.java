package dev.airlock.core.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.crypto.Hashes;
import dev.airlock.core.policy.Environment;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.Scope;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Mints Airlock's tokens with the key ring's active key, and holds the invariants of every token it signs, so that no
 * caller can forget one (as SPIRE's credential template caps lifetimes inside the signer):
 * <ul>
 *   <li>the lifetime is clamped here, to the environment's cap and the 15-minute hard cap ({@link Lifetimes});</li>
 *   <li>the environment and every scope exist in the policy, and the audience is the environment's;</li>
 *   <li>a scope that is not automatic (destructive or {@code grant_required}) is minted only with a grant attached,
 *       and only a grant of the same agent, environment and scopes.</li>
 * </ul>
 *
 * <p>Two kinds of token. An ordinary access token is an RFC 9068 JWT ({@code typ: at+jwt}, {@code aud} the
 * environment's audience) that a resource server may verify offline. A grant token is not: it has its own type
 * ({@value #GRANT_TYPE}, RFC 8725 §3.11 explicit typing) and its own audience ({@code urn:airlock:grant:<id>}), so an
 * RFC 9068 verifier refuses it twice over, and only Airlock (/v1/check, the proxy) accepts it, where its single use is
 * spent. Why an audience per grant rather than one fixed value: no resource server can be configured in advance to
 * accept an id that does not exist yet, whereas a fixed "grant" audience, once added to a gateway's list by someone
 * in a hurry, would let it honour every future grant token offline, any number of times.
 */
public final class TokenMinter {
    /** RFC 9068 §2.1: the media type of JWT access tokens. */
    public static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");
    public static final String GRANT_TYPE = "airlock-grant+jwt";
    /** Grant tokens' own type: not an access token any RFC 9068 verifier would accept. */
    public static final JOSEObjectType GRANT_JWT = new JOSEObjectType(GRANT_TYPE);
    public static final String GRANT_AUDIENCE_PREFIX = "urn:airlock:grant:";

    /**
     * A mint request that breaks one of the invariants above. Callers check everything first and tell their client
     * why; reaching this is a bug in a caller, so it is an internal error (500), never a token.
     */
    public static final class Refused extends IllegalStateException {
        Refused(String message) {
            super("refused to mint: " + message);
        }
    }

    private final KeyRing keys;
    private final String issuer;
    private final Clock clock;
    private final SecureRandom random;
    private final Policy policy;
    /** The headers of the signing key last used; rebuilt when a rotation activates another key. */
    private volatile Headers headers;

    private record Headers(SigningKey key, JWSHeader access, JWSHeader grant) {
        static Headers of(SigningKey k) {
            return new Headers(k, new JWSHeader.Builder(k.algorithm()).type(AT_JWT).keyID(k.kid()).build(),
                    new JWSHeader.Builder(k.algorithm()).type(GRANT_JWT).keyID(k.kid()).build());
        }
    }

    public TokenMinter(KeyRing keys, String issuer, Clock clock, SecureRandom random, Policy policy) {
        this.keys = keys;
        this.issuer = issuer;
        this.clock = clock;
        this.random = random;
        this.policy = policy;
        this.headers = Headers.of(keys.active());
    }

    public String issuer() {
        return issuer;
    }

    /** The audience of the grant token of grant {@code grantId}: that grant, and nothing a resource server knows. */
    public static String grantAudience(String grantId) {
        return GRANT_AUDIENCE_PREFIX + grantId;
    }

    public record Minted(String jwt, AccessToken token) {}

    /**
     * How long a token minted for {@code env} with {@code wanted} lives: the same clamp {@link #mint} applies, for
     * callers that must say so before minting (approvers are shown a grant token's lifetime); {@code env} null: the
     * hard cap only.
     */
    public static Duration lifetime(Duration wanted, Environment env) {
        return Lifetimes.capped(wanted, env == null ? null : env.tokenLifetime());
    }


    /**
     * @param wanted the lifetime the caller would like; the token lives at most the environment's cap and 15 minutes
     * @param grant  null for an ordinary access token; the redeemed grant for a one-shot grant token
     * @throws Refused if the request breaks an invariant (see the class comment)
     */
    public Minted mint(String clientId, String environment, Set<String> scopes, Duration wanted, GrantClaim grant) {
        return mint(clientId, environment, scopes, wanted, grant, null);
    }

    /** Where Airlock's MCP gateways live: {@code <issuer>/mcp/<server>} is the audience of a token bound to one. */
    public String gatewayPrefix() {
        return issuer + "/mcp/";
    }

    /**
     * @param gateway null for the environment's audience; else the URL of one of this Airlock's MCP gateways
     *                ({@link #gatewayPrefix()}), requested with RFC 8707 {@code resource}: the token is then accepted
     *                there only, still for one environment (its {@code env} claim). Never with a grant, whose token
     *                has its own audience.
     */
    public Minted mint(String clientId, String environment, Set<String> scopes, Duration wanted, GrantClaim grant,
                       String gateway) {
        return build(clientId, environment, scopes, wanted, grant, null, gateway);
    }

    /**
     * A delegated access token (RFC 8693 token exchange): {@code sub} is the user, {@code act} the agent (§4.1), with
     * the agent's automatic rights only. Never with a grant: a grant is the agent's own request, approved by people,
     * and its token is the agent's (the grant records on whose behalf it was filed).
     *
     * @param gateway as for {@link #mint(String, String, Set, Duration, GrantClaim, String)}: null for the
     *                environment's audience
     * @throws Refused as {@link #mint}; also for any scope that is not automatic
     */
    public Minted mintOnBehalfOf(String clientId, String environment, Set<String> scopes, Duration wanted,
                                 OnBehalfOf user, String gateway) {
        if (user == null) throw new Refused("a delegated token needs the user it acts for");
        if (user.canonicalSubject().equals(clientId)) throw new Refused("a delegated token's user cannot be its agent");
        return build(clientId, environment, scopes, wanted, null, user, gateway);
    }

    private Minted build(String clientId, String environment, Set<String> scopes, Duration wanted, GrantClaim grant,
                         OnBehalfOf user, String gateway) {
        if (gateway != null && (grant != null || !gateway.startsWith(gatewayPrefix())
                || gateway.length() == gatewayPrefix().length() || gateway.indexOf('/', gatewayPrefix().length()) >= 0)) {
            throw new Refused("a token is bound to one of this Airlock's MCP gateways, " + gatewayPrefix() + "<server>,"
                    + " and a grant token to its grant");
        }
        Environment env = policy.environment(environment)
                .orElseThrow(() -> new Refused("unknown environment '" + environment + "'"));
        if (scopes.isEmpty()) throw new Refused("a token carries at least one scope");
        for (String name : scopes) {
            Scope s = policy.scope(name).orElseThrow(() -> new Refused("unknown scope '" + name + "'"));
            if (!s.automatic() && grant == null) {
                throw new Refused(name + " is " + (s.destructive() ? "destructive" : "grant_required")
                        + ": only a token of an approved grant may carry it");
            }
        }
        if (grant != null) matches(grant, clientId, env, scopes);
        Duration lifetime = lifetime(wanted, env);

        // JWT NumericDate is whole seconds (RFC 7519 §2); truncate so the claims we report equal the claims we sign.
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant exp = now.plus(lifetime);
        // The shape IssuedTokens.JTI_SHAPE describes (22 base64url characters): revoke --jti refuses any other.
        String jti = Hashes.randomToken(random, 16);
        String audience = grant != null ? grantAudience(grant.id()) : gateway != null ? gateway : env.audience();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(user == null ? clientId : user.canonicalSubject())
                .audience(audience)
                .claim("client_id", clientId)
                .claim("env", env.name())
                .claim("scope", String.join(" ", new TreeSet<>(scopes)))
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(exp))
                .jwtID(jti);
        Map<String, Object> grantClaim = grant == null ? null : claimOf(grant);
        if (grantClaim != null) claims.claim("grant", grantClaim);
        if (user != null) {
            // RFC 8693 §4.1: act names the current actor; the user's details ride in our own claim so that a grant
            // filed with this token can say on whose behalf, without a second look-up at the identity provider.
            claims.claim("act", Map.of("sub", clientId));
            claims.claim(ON_BEHALF_OF, onBehalfOfClaim(user));
        }
        // One read of the active key for both the header's kid and the signature: a rotation between two reads
        // would otherwise name one key and sign with another.
        SigningKey key = keys.active();
        Headers h = headers;
        if (h.key() != key) headers = h = Headers.of(key);
        SignedJWT jwt = new SignedJWT(grant == null ? h.access() : h.grant(), claims.build());
        try {
            jwt.sign(key.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed", e);
        }
        return new Minted(jwt.serialize(),
                new AccessToken(jti, user == null ? clientId : user.canonicalSubject(), clientId, audience, env.name(),
                        scopes, now, now, exp, grantClaim, user));
    }

    /** A grant's approval covers its own agent, environment and scopes, and nothing else. */
    private static void matches(GrantClaim g, String clientId, Environment env, Set<String> scopes) {
        if (g.id().isBlank()) throw new Refused("a grant without an id");
        if (!g.agentId().equals(clientId)) {
            throw new Refused("grant " + g.id() + " was filed by " + g.agentId() + ", not " + clientId);
        }
        if (!g.environment().equals(env.name())) {
            throw new Refused("grant " + g.id() + " is for " + g.environment() + ", not " + env.name());
        }
        if (!g.scopes().equals(scopes)) {
            throw new Refused("grant " + g.id() + " approved " + new TreeSet<>(g.scopes()) + ", not " + new TreeSet<>(scopes));
        }
        if (g.resources().isEmpty()) throw new Refused("grant " + g.id() + " names no resource");
        if (g.approvers().isEmpty()) throw new Refused("grant " + g.id() + " has no approver");
        if (g.uses() < 1) throw new Refused("grant " + g.id() + " has no use");
    }

    /** The claim naming the user of a delegated token: {@code {"issuer": id, "iss": url, "sub": raw, "name": ...}}. */
    public static final String ON_BEHALF_OF = "on_behalf_of";

    static Map<String, Object> onBehalfOfClaim(OnBehalfOf u) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("issuer", u.issuerId());
        c.put("iss", u.issuer());
        c.put("sub", u.subject());
        if (u.name() != null) c.put("name", u.name());
        return c;
    }

    private static Map<String, Object> claimOf(GrantClaim g) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", g.id());
        c.put("approvers", g.approvers());
        c.put("resources", g.resources());
        c.put("uses", g.uses());
        return c;
    }
}
