package dev.airlock.core.policy;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A check Airlock makes itself, through a provider and with that provider's real credential, before a person may
 * approve a grant for a destructive scope and again before the approved grant yields its token ({@code grants.yaml}
 * {@code preconditions}; issue 16). The one it was made for: "the provider lists a snapshot of this volume, stored
 * outside it, younger than 24 hours", because in the incident the backups lived on the volume that was deleted.
 *
 * <p>Templates may hold {@value #RESOURCE}, the grant's resource id in canonical form; nothing else is substituted.
 *
 * @param scope        a destructive scope: a grant naming it is held to this check, once per resource
 * @param provider     the provider whose API answers the check ({@code scopes/providers/<provider>.yaml})
 * @param environments where the check applies; empty means every environment
 * @param request      the one GET Airlock sends; it must map, through the provider's own rules, to scopes that are
 *                     not destructive (derived at load and again at every evaluation)
 * @param expect       what in the answer counts as a backup
 * @param line         where it was written in {@code grants.yaml} (0 when built in code), for located errors
 * @param path         its field path there, {@code preconditions[0]}
 */
public record Precondition(String scope, String provider, Set<String> environments, Request request, Expect expect,
                           int line, String path) {
    public static final String RESOURCE = "{resource}";
    public static final String FILE = "grants.yaml";

    /**
     * @param path  an absolute path template below the provider's upstream, {@code /v1/snapshots} or
     *              {@code /v1/volumes/{resource}/snapshots}
     * @param query query parameters by name, in order; values are templates
     */
    public record Request(String path, Map<String, String> query) {
        public Request {
            Objects.requireNonNull(path, "path");
            query = Collections.unmodifiableMap(new LinkedHashMap<>(query));
        }
    }

    /**
     * @param list             JSON pointer (RFC 6901) to the array of candidates in the answer
     * @param id               JSON pointer, in a candidate, to its id (shown to approvers and audited)
     * @param matchField       JSON pointer, in a candidate, to the value that says which resource it is a backup of
     * @param matchEquals      what that value must equal (a template)
     * @param outsideField     JSON pointer to where the candidate is stored, or null when not checked
     * @param outsideNotEquals what that value must not equal (a template); null when not checked
     * @param youngerThan      the candidate's maximum age by Airlock's clock
     * @param createdAt        JSON pointer to the candidate's creation time, an RFC 3339 date-time
     */
    public record Expect(String list, String id, String matchField, String matchEquals, String outsideField,
                         String outsideNotEquals, Duration youngerThan, String createdAt) {
        public Expect {
            Objects.requireNonNull(list, "list");
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(matchField, "matchField");
            Objects.requireNonNull(matchEquals, "matchEquals");
            Objects.requireNonNull(youngerThan, "youngerThan");
            Objects.requireNonNull(createdAt, "createdAt");
            if ((outsideField == null) != (outsideNotEquals == null)) {
                throw new IllegalArgumentException("outside needs both its field and its value");
            }
        }
    }

    public Precondition {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(provider, "provider");
        environments = Set.copyOf(environments);
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(expect, "expect");
        path = path == null ? "" : path;
    }

    /** Whether a grant in {@code environment} naming {@code scope} is held to this check. */
    public boolean appliesTo(String environment, String scope) {
        return this.scope.equals(scope) && (environments.isEmpty() || environments.contains(environment));
    }

    /** {@code template} with every {@value #RESOURCE} replaced by {@code resource}. */
    public static String fill(String template, String resource) {
        return template.replace(RESOURCE, resource);
    }

    /**
     * A duration as people write it in policy and read it in an approval: {@code 24h}, {@code 3h12m}, {@code 90s}
     * (whole seconds, rounded down; negative reads as 0s).
     */
    public static String text(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) return s + "s";
        long h = s / 3600;
        long m = (s % 3600) / 60;
        if (h == 0) return m + "m";
        return m == 0 ? h + "h" : h + "h" + m + "m";
    }

    /** For lint and refusals: {@code volume:delete: generic-rest GET /v1/snapshots?volumeId={resource}}. */
    public String describe() {
        StringBuilder s = new StringBuilder(scope).append(": ").append(provider).append(" GET ").append(request.path());
        String sep = "?";
        for (Map.Entry<String, String> q : request.query().entrySet()) {
            s.append(sep).append(q.getKey()).append('=').append(q.getValue());
            sep = "&";
        }
        return s.toString();
    }
}
