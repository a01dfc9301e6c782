package dev.airlock.core.check;

import dev.airlock.core.grant.GrantRedemption;
import dev.airlock.core.policy.Environment;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.AccessToken;
import dev.airlock.core.token.TokenMinter;
import dev.airlock.core.token.TokenVerifier;

/**
 * The one answer to "is this token usable now, for this caller?". Every place that accepts an Airlock token asks here:
 * {@code /v1/check} and the enforcement proxy ({@link CheckService}), introspection, revocation, and agents' Bearer
 * authentication on {@code /v1/grants}. Before, each had its own copy and no two agreed (a frozen environment's token
 * still filed grants; introspection and check disagreed on audiences).
 *
 * <p>A token is usable when, in this order (the order of the refusals' precedence):
 * <ol>
 *   <li>it verifies: ours (kid, alg, signature), well-formed for its type, within its lifetime ({@link TokenVerifier});</li>
 *   <li>it is not revoked;</li>
 *   <li>its environment is still in the policy, and so is its client;</li>
 *   <li>its agent is not disabled, and the token was issued after the agent's tokens were last revoked
 *       ({@code airlock agent disable}, {@code airlock agent revoke-tokens}: run-time state in the store);</li>
 *   <li>its environment is not frozen;</li>
 *   <li>its audience is its environment's (an access token), the MCP gateway's that asks (an access token requested
 *       with RFC 8707 {@code resource=<gateway URL>}), or its own grant's (a grant token), so a token minted for one
 *       audience is never accepted for another: a gateway-bound token is refused by {@code /v1/check}, the proxy and
 *       every other gateway, and an environment token is refused by gateways (MCP authorization, "Token Audience
 *       Binding and Validation": a server accepts only tokens issued for it);</li>
 *   <li>a grant token is bound to its redeemed grant and that grant has a use left.</li>
 * </ol>
 * Then each caller adds what only it knows: introspection never calls a grant token active, Bearer authentication
 * takes no grant token, revocation asks who owns the token (RFC 7009 §2.1). Whether a usable token may do a given
 * action on a given resource is {@link CheckService}'s question, not this one.
 *
 * <p>Ops sessions are not tokens of this realm and are not decided here: agents and people never share a code path
 * that could mistake one for the other. A session's own rule lives in {@code OpsSessions.lookup}.
 */
public final class TokenUsability {
    /** The outcome: {@code token} whenever it verified (even if refused after), {@code refusal} null when ok. */
    public record Verdict(AccessToken token, Refusal refusal) {
        public boolean ok() {
            return refusal == null;
        }

        /** True when the token is ours and within its lifetime, whatever was refused after. */
        public boolean verified() {
            return token != null;
        }

        static Verdict ok(AccessToken t) {
            return new Verdict(t, null);
        }

        static Verdict no(AccessToken t, String code, String reason) {
            return new Verdict(t, new Refusal(code, reason));
        }
    }

    /** A stable code for machines (the codes /v1/check answers with) and a reason for people. */
    public record Refusal(String code, String reason) {}

    private final Policy policy;
    private final StateStore store;
    private final TokenVerifier verifier;
    private final GrantRedemption grants;

    public TokenUsability(Policy policy, StateStore store, TokenVerifier verifier, GrantRedemption grants) {
        this.policy = policy;
        this.store = store;
        this.verifier = verifier;
        this.grants = grants;
    }

    /**
     * For the places where actions are decided and grant uses spent: {@code /v1/check} and the proxy. Any kind of
     * Airlock token, grant tokens included: this is where they are meant to be used.
     */
    public Verdict forAction(String jwt) {
        return forAction(jwt, null);
    }

    /**
     * As {@link #forAction(String)}, for the MCP gateway at {@code gateway} (its URL, {@code <issuer>/mcp/<server>}):
     * an access token must have been requested for that URL (RFC 8707); a grant token is accepted as at the proxy,
     * since it is bound tighter still, to one approved act on named resources (docs/decisions.md).
     *
     * @param gateway null where environment tokens are decided ({@code /v1/check}, the proxy)
     */
    public Verdict forAction(String jwt, String gateway) {
        TokenVerifier.Result v = verifier.verify(jwt);
        if (!v.ok()) {
            String code = v.rejection().code().equals("expired") ? "token_expired" : "token_invalid";
            return Verdict.no(null, code, "token refused: " + v.rejection().reason());
        }
        AccessToken t = v.token();
        if (store.isRevoked(t.jti())) return Verdict.no(t, "token_revoked", "token " + t.jti() + " was revoked");
        Environment env = policy.environment(t.environment()).orElse(null);
        if (env == null) {
            return Verdict.no(t, "unknown_environment", "environment " + t.environment() + " is no longer in the policy");
        }
        if (policy.agent(t.clientId()).isEmpty()) {
            return Verdict.no(t, "unknown_client", "client " + t.clientId() + " is no longer in the policy");
        }
        if (store.isAgentDisabled(t.clientId())) {
            return Verdict.no(t, "agent_disabled", "agent " + t.clientId() + " is disabled by ops (airlock agent"
                    + " disable); every token it holds is refused until it is enabled again");
        }
        java.time.Instant voidUntil = store.agentTokensVoidUntil(t.clientId()).orElse(null);
        // iat is in whole seconds, and so is the stored instant: a token minted in the very second of the revoke-tokens
        // call cannot be told apart from one minted just before it, so it is void too (fail closed; the agent asks
        // again a second later).
        if (voidUntil != null && t.issuedAt().getEpochSecond() <= voidUntil.getEpochSecond()) {
            return Verdict.no(t, "token_revoked", "every token issued to " + t.clientId() + " at or before "
                    + voidUntil + " was revoked by ops (airlock agent revoke-tokens); get a new one");
        }
        if (store.isFrozen(env.name())) {
            return Verdict.no(t, "environment_frozen", "environment " + env.name() + " is frozen by ops");
        }
        if (gateway != null && !t.isGrantToken() && !t.audience().equals(gateway)) {
            return Verdict.no(t, "wrong_audience", "token's audience " + t.audience() + " is not this MCP gateway ("
                    + gateway + "): request a token with resource=" + gateway);
        }
        String audience = t.isGrantToken() ? TokenMinter.grantAudience(t.grantId())
                : gateway != null ? gateway : env.audience();
        if (!t.audience().equals(audience)) {
            return Verdict.no(t, "wrong_environment", (t.isGrantToken() ? "grant token's audience " : "token's audience ")
                    + t.audience() + " is not " + (t.isGrantToken() ? "its grant's" : env.name() + "'s") + " ("
                    + audience + ")");
        }
        if (t.isGrantToken()) {
            GrantRedemption.UseRefusal r = grants.standing(t);
            if (r != null) return Verdict.no(t, r.code(), r.reason());
        }
        return Verdict.ok(t);
    }

    /**
     * RFC 7662 introspection, whoever asks (see {@link #forIntrospectionBy} for the caller's rule). A grant token is never active there: "active" tells a
     * resource server it may honour the token, and one that did would skip spending the grant's use, which happens
     * only where the action is decided (§4: the authorization server must judge whether the token can be used at the
     * protected resource asking; a grant token can be used at none).
     */
    public Verdict forIntrospection(String jwt) {
        Verdict v = forAction(jwt);
        if (v.ok() && v.token().isGrantToken()) {
            return Verdict.no(v.token(), "grant_token_online_only", "grant tokens are decided only by /v1/check and"
                    + " the proxy, which spend their use");
        }
        return v;
    }

    /**
     * RFC 7662 introspection asked by {@code callerId}: only a client the policy names as a resource server
     * ({@code introspect:} in agents.yaml) may ask at all (§4: the endpoint MUST require authorization; before issue 16
     * any authenticated agent could learn about any token it held, or found), and it learns about tokens of the
     * environments it serves only: any other is {@code active: false} (§4: the answer SHOULD be limited to what the
     * protected resource asking needs). Refused callers: {@code introspection_not_allowed}, with no token judged.
     */
    public Verdict forIntrospectionBy(String jwt, String callerId) {
        dev.airlock.core.policy.Agent caller = policy.agent(callerId).orElse(null);
        if (caller == null || caller.introspect().isEmpty()) {
            return Verdict.no(null, "introspection_not_allowed", "client " + callerId + " may not introspect tokens:"
                    + " only resource servers named with 'introspect: [environments]' in agents.yaml may (RFC 7662 §4)");
        }
        Verdict v = forIntrospection(jwt);
        if (v.ok() && !caller.introspects(v.token().environment())) {
            return Verdict.no(v.token(), "environment_not_served", "token of " + v.token().environment() + ", which "
                    + callerId + " does not introspect (agents.yaml introspect)");
        }
        return v;
    }

    /**
     * An agent's access token as its credential (RFC 6750 Bearer on {@code /v1/grants}): usable, and an ordinary
     * access token. A grant token is good for the one act people approved, not for filing or cancelling grants.
     */
    public Verdict asAgentCredential(String jwt) {
        Verdict v = forAction(jwt);
        if (v.ok() && v.token().isGrantToken()) {
            return Verdict.no(v.token(), "grant_token_not_a_credential", "a grant token is good for its one approved"
                    + " action only; authenticate with the agent's credentials or an access token");
        }
        return v;
    }

    /**
     * RFC 7009 §2.1: whether {@code clientId} may revoke this token, namely whether it was issued to that client.
     * Only the signature and lifetime matter beyond that: a token of a frozen environment, or already refused for
     * any other reason, must still be revocable, or it would come back when the reason goes away (an unfreeze).
     * Not verified ({@link Verdict#verified()} false): nothing to revoke (§2.2: still a success for the client).
     */
    public Verdict revocableBy(String jwt, String clientId) {
        TokenVerifier.Result v = verifier.verify(jwt);
        if (!v.ok()) return Verdict.no(null, "not_a_token", "token refused: " + v.rejection().reason());
        AccessToken t = v.token();
        if (!t.clientId().equals(clientId)) {
            return Verdict.no(t, "other_client", "token belongs to another client");
        }
        return Verdict.ok(t);
    }
}
