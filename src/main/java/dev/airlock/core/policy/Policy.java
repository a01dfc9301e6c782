package dev.airlock.core.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The loaded, validated policy. Immutable. Built only by {@link PolicyLoader}, which refuses anything
 * ambiguous (a resource owned by two environments, unknown references), so lookups here never guess.
 */
public final class Policy {
    /** Hard cap on any access token's lifetime, whatever the policy says. */
    public static final Duration MAX_TOKEN_LIFETIME = Duration.ofMinutes(15);
    public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofMinutes(10);

    private final Map<String, Environment> environments;
    private final Map<String, Environment> byAudience;
    private final Map<String, Scope> scopes;
    private final Map<String, Agent> agents;
    private final Map<String, GrantRules> grantRules;
    private final GrantLimits grantLimits;
    private final List<Webhook> webhooks;
    private final Set<String> adminGroups;
    private final List<Precondition> preconditions;
    /** identity.yaml: trusted identity providers by id, and by exact {@code iss}. */
    private final Map<String, TrustedIssuer> issuers = new LinkedHashMap<>();
    private final Map<String, TrustedIssuer> issuersByUrl = new HashMap<>();
    /**
     * For {@link #ownerOf}: exact resource ids in {@link CanonicalId canonical form}, each to the first environment
     * (in order) that lists it. Keys are canonical so that every spelling of an id finds the same owner.
     */
    private final Map<String, Owner> exactOwners = new HashMap<>();
    /** For {@link #ownerOf}: the glob resources, in environment order. */
    private final List<GlobOwner> globOwners = new ArrayList<>();

    /** For {@link #patternsMatching}: per environment, its exact resources by canonical id and its globs, with positions. */
    private final Map<String, Map<String, Positioned>> exactByEnvironment = new HashMap<>();
    private final Map<String, List<Positioned>> globsByEnvironment = new HashMap<>();

    private record Owner(int order, Environment environment) {}

    private record Positioned(int position, ResourcePattern pattern) {}

    private record GlobOwner(int order, Environment environment, String pattern) {}

    /** A policy without grants.yaml: built-in grant defaults, nobody may approve anything, no webhooks. */
    public Policy(Collection<Environment> environments, Collection<Scope> scopes, Collection<Agent> agents) {
        this(environments, scopes, agents, Map.of(), List.of());
    }

    /** As below, with the built-in {@link GrantLimits#DEFAULT}. */
    public Policy(Collection<Environment> environments, Collection<Scope> scopes, Collection<Agent> agents,
                  Map<String, GrantRules> grantRules, List<Webhook> webhooks) {
        this(environments, scopes, agents, grantRules, webhooks, GrantLimits.DEFAULT);
    }

    /**
     * @param grantRules grant rules by environment name; an environment without an entry gets
     *                   {@link GrantRules#defaults(String)} (no approvers). Every key must be one of {@code environments}.
     * @param webhooks   where grant events are announced
     * @param grantLimits how many pending and finished grants are kept ({@code grants.yaml}'s {@code limits})
     */
    public Policy(Collection<Environment> environments, Collection<Scope> scopes, Collection<Agent> agents,
                  Map<String, GrantRules> grantRules, List<Webhook> webhooks, GrantLimits grantLimits) {
        this(environments, scopes, agents, grantRules, webhooks, grantLimits, Set.of());
    }

    /**
     * @param adminGroups ops groups whose members may run the administrative commands over HTTP
     *                    ({@code grants.yaml}'s {@code admin_groups}); empty: nobody may
     */
    public Policy(Collection<Environment> environments, Collection<Scope> scopes, Collection<Agent> agents,
                  Map<String, GrantRules> grantRules, List<Webhook> webhooks, GrantLimits grantLimits,
                  Set<String> adminGroups) {
        this(environments, scopes, agents, grantRules, webhooks, grantLimits, adminGroups, List.of());
    }

    /**
     * @param preconditions what Airlock checks itself before a destructive grant is approved and redeemed
     *                      ({@code grants.yaml}'s {@code preconditions}); each must name a destructive scope
     */
    public Policy(Collection<Environment> environments, Collection<Scope> scopes, Collection<Agent> agents,
                  Map<String, GrantRules> grantRules, List<Webhook> webhooks, GrantLimits grantLimits,
                  Set<String> adminGroups, List<Precondition> preconditions) {
        this(environments, scopes, agents, grantRules, webhooks, grantLimits, adminGroups, preconditions, List.of());
    }

    /**
     * @param trusted the identity providers of identity.yaml whose users' tokens agents may exchange (RFC 8693); empty:
     *                none. Ids and issuer URLs are each unique.
     */
    public Policy(Collection<Environment> environments, Collection<Scope> scopes, Collection<Agent> agents,
                  Map<String, GrantRules> grantRules, List<Webhook> webhooks, GrantLimits grantLimits,
                  Set<String> adminGroups, List<Precondition> preconditions, List<TrustedIssuer> trusted) {
        for (TrustedIssuer t : trusted) {
            if (issuers.putIfAbsent(t.id(), t) != null || issuersByUrl.putIfAbsent(t.issuer(), t) != null) {
                throw new IllegalArgumentException("duplicate trusted issuer " + t.id() + " / " + t.issuer());
            }
        }
        this.adminGroups = Set.copyOf(adminGroups);
        this.preconditions = List.copyOf(preconditions);
        this.grantLimits = Objects.requireNonNull(grantLimits, "grantLimits");
        this.environments = new LinkedHashMap<>();
        this.byAudience = new LinkedHashMap<>();
        for (Environment e : environments) {
            this.environments.put(e.name(), e);
            this.byAudience.put(e.audience(), e);
        }
        int order = 0;
        for (Environment e : this.environments.values()) {
            Map<String, Positioned> exact = new HashMap<>();
            List<Positioned> globs = new ArrayList<>();
            int position = 0;
            for (ResourcePattern r : e.resources()) {
                if (r.isGlob()) {
                    globOwners.add(new GlobOwner(order, e, r.pattern()));
                    globs.add(new Positioned(position, r));
                } else {
                    exactOwners.putIfAbsent(r.canonical(), new Owner(order, e));
                    exact.putIfAbsent(r.canonical(), new Positioned(position, r));
                }
                position++;
            }
            exactByEnvironment.put(e.name(), exact);
            globsByEnvironment.put(e.name(), globs);
            order++;
        }
        this.scopes = new LinkedHashMap<>();
        for (Scope s : scopes) this.scopes.put(s.name(), s);
        this.agents = new LinkedHashMap<>();
        for (Agent a : agents) this.agents.put(a.id(), a);
        Map<String, GrantRules> rules = new LinkedHashMap<>();
        for (Map.Entry<String, GrantRules> e : grantRules.entrySet()) {
            if (!this.environments.containsKey(e.getKey())) {
                throw new IllegalArgumentException("grant rules for unknown environment '" + e.getKey() + "'");
            }
            rules.put(e.getKey(), Objects.requireNonNull(e.getValue()));
        }
        this.grantRules = Collections.unmodifiableMap(rules);
        this.webhooks = List.copyOf(webhooks);
        for (Precondition p : this.preconditions) {
            // One rule, kept where the policy is built: a precondition on a scope that is not destructive would never
            // be evaluated, and a reader would believe it protects something.
            if (!this.scopes.containsKey(p.scope()) || !this.scopes.get(p.scope()).destructive()) {
                throw new IllegalArgumentException("precondition on " + p.scope() + ", which is not a destructive scope");
            }
        }
    }

    public Collection<TrustedIssuer> trustedIssuers() {
        return Collections.unmodifiableCollection(issuers.values());
    }

    public Optional<TrustedIssuer> trustedIssuer(String id) {
        return Optional.ofNullable(issuers.get(id));
    }

    /** The trusted issuer whose {@code iss} is exactly {@code url} (no normalisation: RFC 7519 §4.1.1 compares as strings). */
    public Optional<TrustedIssuer> trustedIssuerByUrl(String url) {
        return Optional.ofNullable(issuersByUrl.get(url));
    }

    public Optional<Environment> environment(String name) {
        return Optional.ofNullable(environments.get(name));
    }

    public Optional<Environment> environmentByAudience(String audience) {
        return Optional.ofNullable(byAudience.get(audience));
    }

    public Optional<Scope> scope(String name) {
        return Optional.ofNullable(scopes.get(name));
    }

    public Optional<Agent> agent(String id) {
        return Optional.ofNullable(agents.get(id));
    }

    /**
     * The environment that owns this resource id, in any spelling with the same {@link CanonicalId canonical form}, if
     * any. At most one does: the loader refuses overlaps, also between spellings.
     */
    public Optional<Environment> ownerOf(String resourceId) {
        // Asked on every check: a hash lookup for exact ids, a scan of the globs only. The answer is the one a scan
        // of every environment in order would give, even for a policy built with overlaps (the linter's input).
        String id = CanonicalId.of(resourceId);
        Owner exact = exactOwners.get(id);
        for (GlobOwner g : globOwners) {
            if (exact != null && g.order() >= exact.order()) break;
            if (Glob.matches(g.pattern(), id)) return Optional.of(g.environment());
        }
        return exact == null ? Optional.empty() : Optional.of(exact.environment());
    }

    /**
     * The resources of {@code environment} (one of this policy's) that match {@code resourceId} (compared in canonical
     * form), in file order: the
     * same list a scan of {@code environment.resources()} gives, through a hash lookup for exact ids and a scan of
     * the globs only (asked on every check of a resource).
     */
    public List<ResourcePattern> patternsMatching(Environment environment, String resourceId) {
        String id = CanonicalId.of(resourceId);
        Positioned exact = exactByEnvironment.getOrDefault(environment.name(), Map.of()).get(id);
        List<ResourcePattern> out = new ArrayList<>(2);
        boolean exactAdded = exact == null;
        for (Positioned g : globsByEnvironment.getOrDefault(environment.name(), List.of())) {
            if (!exactAdded && exact.position() < g.position()) {
                out.add(exact.pattern());
                exactAdded = true;
            }
            if (g.pattern().matches(id)) out.add(g.pattern());
        }
        if (!exactAdded) out.add(exact.pattern());
        return out;
    }

    public Collection<Environment> environments() {
        return environments.values();
    }

    public Collection<Scope> scopes() {
        return scopes.values();
    }

    public Collection<Agent> agents() {
        return agents.values();
    }

    /**
     * How grants work in {@code environment}, with grants.yaml's defaults merged in. An environment grants.yaml
     * does not name (or one this policy does not know) gets the defaults and <em>no approver groups</em>: grants
     * there can be requested but never approved.
     */
    public GrantRules grantRules(String environment) {
        Objects.requireNonNull(environment, "environment");
        GrantRules rules = grantRules.get(environment);
        return rules != null ? rules : GrantRules.defaults(environment);
    }

    /** How many pending and finished grants are kept, across environments. */
    public GrantLimits grantLimits() {
        return grantLimits;
    }

    /** Where grant events are announced, in file order; empty without grants.yaml. */
    public List<Webhook> webhooks() {
        return webhooks;
    }

    /** Every precondition, in file order. */
    public List<Precondition> preconditions() {
        return preconditions;
    }

    /** The preconditions a grant in {@code environment} naming {@code scope} is held to, in file order. */
    public List<Precondition> preconditionsFor(String environment, String scope) {
        List<Precondition> out = new ArrayList<>();
        for (Precondition p : preconditions) {
            if (p.appliesTo(environment, scope)) out.add(p);
        }
        return out;
    }

    /** Ops groups whose members may administer Airlock over HTTP ({@code /v1/admin}); empty when nobody may. */
    public Set<String> adminGroups() {
        return adminGroups;
    }
}
