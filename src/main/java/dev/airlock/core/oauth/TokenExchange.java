package dev.airlock.core.oauth;

import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.check.TokenUsability;
import dev.airlock.core.identity.SubjectTokens;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.Environment;
import dev.airlock.core.token.OnBehalfOf;
import dev.airlock.core.token.TokenMinter;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Delegation by RFC 8693 token exchange: an authenticated agent (the actor, authenticated exactly as for
 * client_credentials) presents a user's token from a trusted identity provider ({@code subject_token}) and gets an
 * access token of one environment with {@code sub} the user and {@code act} the agent (§4.1).
 *
 * <p>Exchange only narrows: the environment and scopes are decided by {@link ClientCredentialsGrant#decide}, the very
 * rule for the agent's own tokens, so a delegated token never carries more than the agent could get for itself, and
 * never a destructive scope. The user adds accountability (who the agent works for), never rights. On top of that,
 * the issuer must list the agent ({@code identity.yaml agents}), and a {@code may_act} claim in the subject token
 * (§4.4) must name this agent.
 */
public final class TokenExchange {
    public static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange";
    public static final String ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";
    public static final String JWT = "urn:ietf:params:oauth:token-type:jwt";
    public static final String ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
    /** Every one is a JWT verified the same way; the audience check decides whether it was meant for us. */
    public static final Set<String> SUBJECT_TOKEN_TYPES = Set.of(ACCESS_TOKEN, JWT, ID_TOKEN);

    /** The request after HTTP parsing (§2.1); anything but {@code resources} may be null. */
    public record Request(String environment, List<String> resources, String scope, String audience,
                          String subjectToken, String subjectTokenType, String actorToken, String actorTokenType,
                          String requestedTokenType, String address) {
        public Request {
            resources = List.copyOf(resources);
        }
    }

    /** Exactly one of {@code minted} and {@code error}. */
    public record Outcome(TokenMinter.Minted minted, OAuthError error) {}

    private final ClientCredentialsGrant rules;
    private final SubjectTokens subjects;
    private final TokenUsability tokens;
    private final TokenMinter minter;
    private final AuditSink audit;

    public TokenExchange(ClientCredentialsGrant rules, SubjectTokens subjects, TokenUsability tokens, TokenMinter minter,
                         AuditSink audit) {
        this.rules = rules;
        this.subjects = subjects;
        this.tokens = tokens;
        this.minter = minter;
        this.audit = audit;
    }

    public CompletableFuture<Outcome> exchange(Agent agent, Request req) {
        OAuthError malformed = malformed(agent, req);
        if (malformed != null) return refuse(agent, req, null, null, malformed, null);
        ClientCredentialsGrant.Decision d = rules.decide(agent,
                new ClientCredentialsGrant.Request(req.environment(), req.resources(), req.scope(), req.address()));
        if (d.error() != null) return refuse(agent, req, d.env(), null, d.error(), null);
        SubjectTokens.Claimed claimed = subjects.claimed(req.subjectToken());
        if (claimed.refused() != null) {
            return refuse(agent, req, d.env(), null, invalidGrant(claimed.refused()), claimed.refused().detail());
        }
        if (!claimed.issuer().agents().contains(agent.id())) {
            // Before any key is fetched: an agent nobody allowed to act for this issuer's users learns nothing more.
            return refuse(agent, req, d.env(), null, OAuthError.of("unauthorized_client", agent.id()
                    + " may not act on behalf of users of issuer " + claimed.issuer().id()
                    + " (identity.yaml agents)"), null);
        }
        return subjects.verify(claimed).thenCompose(r -> {
            if (r.refused() != null) return refuse(agent, req, d.env(), null, invalidGrant(r.refused()), r.refused().detail());
            OnBehalfOf user = r.subject().user();
            if (r.subject().mayAct() != null && !agent.id().equals(r.subject().mayAct().get("sub"))) {
                // RFC 8693 §4.4: the user's token names who may act for them, and it is not this agent.
                return refuse(agent, req, d.env(), user, OAuthError.of("invalid_grant",
                        "subject_token's may_act does not name " + agent.id()), null);
            }
            Environment env = d.env();
            TokenMinter.Minted minted = minter.mintOnBehalfOf(agent.id(), env.name(), d.scopes(), env.tokenLifetime(), user,
                    d.gateway());
            AuditEvent event = AuditEvent.of("token.exchanged").with("client_id", agent.id())
                    .with("sub", user.canonicalSubject()).with("on_behalf_of", describe(user))
                    .with("env", env.name()).with("scope", String.join(" ", new TreeSet<>(d.scopes())))
                    .with("jti", minted.token().jti()).with("exp", minted.token().expiresAt().getEpochSecond())
                    .with("address", req.address()).with("aud", minted.token().audience()).build();
            return audit.append(event).thenApply(v -> new Outcome(minted, null));
        });
    }

    /** §2.1 parameters, before anything is looked up. */
    private OAuthError malformed(Agent agent, Request req) {
        if (req.subjectToken() == null || req.subjectToken().isEmpty()) {
            return OAuthError.invalidRequest("subject_token is required: the user's token from their identity provider");
        }
        if (req.subjectTokenType() == null) return OAuthError.invalidRequest("subject_token_type is required (RFC 8693 §2.1)");
        if (!SUBJECT_TOKEN_TYPES.contains(req.subjectTokenType())) {
            return OAuthError.invalidRequest("unsupported subject_token_type; use " + JWT + ", " + ACCESS_TOKEN
                    + " or " + ID_TOKEN);
        }
        if (req.requestedTokenType() != null && !ACCESS_TOKEN.equals(req.requestedTokenType())) {
            return OAuthError.invalidRequest("requested_token_type must be " + ACCESS_TOKEN + " (or absent)");
        }
        if (req.audience() != null) {
            return OAuthError.of("invalid_target", "audience is not used here: name the environment with"
                    + " environment=<name> or resource=<environment audience>");
        }
        if (req.actorToken() != null || req.actorTokenType() != null) return actor(agent, req);
        return null;
    }

    /**
     * The client's authentication already is the actor (§2.1 lets actor_token be absent). One sent anyway must not
     * name anyone else: only this agent's own, undelegated Airlock access token is accepted, so an agent cannot
     * claim another's identity as the actor.
     */
    private OAuthError actor(Agent agent, Request req) {
        if (req.actorToken() == null || req.actorTokenType() == null) {
            return OAuthError.invalidRequest("actor_token and actor_token_type go together (RFC 8693 §2.1)");
        }
        if (!ACCESS_TOKEN.equals(req.actorTokenType()) && !JWT.equals(req.actorTokenType())) {
            return OAuthError.invalidRequest("actor_token must be this client's Airlock access token; better, leave it"
                    + " out: the client authentication is the actor");
        }
        TokenUsability.Verdict v = tokens.asAgentCredential(req.actorToken());
        if (!v.ok() || !v.token().clientId().equals(agent.id()) || v.token().isDelegated()) {
            return OAuthError.invalidRequest("actor_token is not a usable access token of " + agent.id()
                    + " itself; leave it out: the client authentication is the actor");
        }
        return null;
    }

    private static OAuthError invalidGrant(SubjectTokens.Refused r) {
        return OAuthError.of("invalid_grant", r.description());
    }

    /** For the audit record: issuer id, subject and name, each already bounded and free of control characters. */
    static String describe(OnBehalfOf u) {
        return u.canonicalSubject() + (u.name() == null ? "" : " (" + u.name() + ")");
    }

    private CompletableFuture<Outcome> refuse(Agent agent, Request req, Environment env, OnBehalfOf user,
                                              OAuthError error, String detail) {
        AuditEvent event = AuditEvent.of("token.exchange_refused").with("client_id", agent.id())
                .with("sub", user == null ? null : user.canonicalSubject())
                .with("env", env != null ? env.name() : req.environment())
                .with("scope", req.scope()).with("error", error.error()).with("reason", error.description())
                .with("detail", detail).with("address", req.address()).build();
        return audit.append(event).thenApply(v -> new Outcome(null, error));
    }
}
