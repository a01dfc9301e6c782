package dev.airlock.metrics;

import dev.airlock.core.policy.Policy;
import dev.airlock.core.proxy.Providers;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The only values a metric label may take: names the policy defines (environments, providers), refusal codes and
 * audit event types from fixed lists, and {@value #OTHER} for anything else. A label value comes from an audit field,
 * and some of those fields carry what a caller sent (the environment asked for, the provider in a proxy path); a
 * caller who could choose label values could grow the server's memory and every scrape without bound (one series per
 * value), or make a client id, resource id or secret readable by anyone who scrapes. So nothing is passed through.
 */
final class DecisionLabels {
    static final String OTHER = "other";

    /**
     * Every stable refusal code Airlock emits (OAuth errors, check and proxy codes, grant refusals), and
     * {@code allowed}. A new code shows as {@value #OTHER} until it is added here, which is visible and harmless.
     */
    static final Set<String> REASONS = Set.of("allowed",
            // OAuth 2.0 (RFC 6749 §5.2, RFC 8707, RFC 8628 §3.5, CIBA) at the token endpoint
            "invalid_request", "invalid_client", "invalid_grant", "invalid_scope", "invalid_target",
            "unauthorized_client", "unsupported_grant_type", "access_denied", "authorization_pending", "slow_down",
            "expired_token", "temporarily_unavailable", "server_error",
            // check, introspection, revocation, the proxy (TokenUsability, CheckService, ProxyGate, RequestChecks)
            "token_missing", "token_invalid", "token_expired", "token_revoked", "not_a_token", "not_yet_valid",
            "bad_signature", "wrong_algorithm", "wrong_issuer", "wrong_type", "unknown_key", "untrusted_key",
            "unknown_environment", "wrong_environment", "environment_frozen", "environment_not_allowed",
            "unknown_action", "unknown_scope", "scope_missing", "resource_required", "resource_unknown",
            "resource_in_other_environment", "resource_type_mismatch", "resource_not_granted", "grant_required",
            "grant_used", "grant_unknown", "grant_expired", "grant_contended", "grant_token_online_only",
            "grant_token_not_a_credential", "other_client", "unknown_client", "agent_disabled",
            "introspection_not_allowed", "environment_not_served", "unknown_provider", "unmapped_request",
            "destructive_by_shape", "bad_request", "bad_request_target", "bad_method", "bad_path", "bad_resource",
            "bad_authorization", "body_too_large", "credential_unavailable", "method_override", "graphql_batch",
            "graphql_introspection", "graphql_mutation_via_get", "graphql_operation", "graphql_persisted_query",
            "graphql_subscription", "graphql_syntax", "introspection_scope",
            // grants (GrantRequests, GrantDecisions)
            "no_approvers", "no_grant_needed", "scope_not_grantable", "too_many_pending", "too_many_pending_total",
            "not_an_approver", "requester_cannot_approve", "already_approved_by_you", "code_required", "code_invalid",
            "unknown_grant", "conflict", "destructive_budget_spent", "grant_pending", "grant_approved", "grant_redeemed",
            "grant_denied", "grant_cancelled", "precondition_failed");

    /** Audit event types ({@code AuditEvent.of(...)} across the code base); others count as {@value #OTHER}. */
    static final Set<String> EVENT_TYPES = Set.of("token.minted", "token.refused", "token.introspected",
            "token.revoked", "token.revoke_refused", "token.introspect_refused", "check", "proxy", "client.auth_failed", "env.frozen",
            "env.unfrozen", "agent.secret_issued", "agent.disabled", "agent.enabled", "agent.tokens_revoked", "grant.requested", "grant.request_refused", "grant.approved",
            "grant.approve_refused", "grant.denied", "grant.deny_refused", "grant.cancelled", "grant.expired",
            "grant.redeemed", "grant.used", "grant.forgotten", "grant.precondition", "ops.signin", "ops.code_accepted", "ops.code_refused",
            "ops.account_created", "ops.account_reset", "ops.account_disabled", "ops.totp_step_reset",
            "audit.key_created", "storage.repaired", "change.not_done");

    /** HTTP methods (RFC 9110 §9, PATCH from RFC 5789); any other token a client sends is {@value #OTHER}. */
    static final Set<String> HTTP_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
            "TRACE", "PATCH");

    private final Supplier<Policy> policy;
    private final Supplier<Providers> providers;

    /** Read through suppliers: a reloaded policy brings its own environment and provider names. */
    DecisionLabels(Supplier<Policy> policy, Supplier<Providers> providers) {
        this.policy = policy;
        this.providers = providers;
    }

    String environment(Object value) {
        return value instanceof String s && policy.get().environment(s).isPresent() ? s : OTHER;
    }

    String provider(Object value) {
        return value instanceof String s && providers.get().get(s).isPresent() ? s : OTHER;
    }

    static String reason(Object value) {
        return oneOf(value, REASONS);
    }

    static String eventType(String type) {
        return oneOf(type, EVENT_TYPES);
    }

    static String oneOf(Object value, Set<String> allowed) {
        return value instanceof String s && allowed.contains(s) ? s : OTHER;
    }
}
