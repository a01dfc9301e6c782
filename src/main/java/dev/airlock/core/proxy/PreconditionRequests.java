package dev.airlock.core.proxy;

import dev.airlock.core.policy.CanonicalId;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyProblem;
import dev.airlock.core.policy.Precondition;
import dev.airlock.core.policy.Scope;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The request a {@link Precondition} sends, and why it may not be sent. Derived, not trusted (issue 12's rule applied
 * to Airlock's own requests): the request is run through the provider's own mapper, exactly as an agent's request
 * would be, and is acceptable only if it maps, every action it maps to has a scope that is not destructive, and it
 * touches no resource but the grant's. Checked at load (with a sample id of the provider's syntax) and again before
 * every evaluation (with the real id), so a provider file edited later cannot turn the check into a deletion.
 */
public final class PreconditionRequests {
    private PreconditionRequests() {}

    /** A rendered request: raw path and raw query (null for none), percent-encoded as they go on the wire. */
    public record Target(String rawPath, String rawQuery) {
        /** The request line's target below the provider's upstream path. */
        public String uri() {
            return rawQuery == null ? rawPath : rawPath + "?" + rawQuery;
        }
    }

    /** The request for {@code resource}, every substituted value percent-encoded (RFC 3986 §2.1) but unreserved. */
    public static Target target(Precondition p, String resource) {
        String path = p.request().path().replace(Precondition.RESOURCE, encode(resource));
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, String> e : p.request().query().entrySet()) {
            if (q.length() > 0) q.append('&');
            q.append(encode(e.getKey())).append('=').append(encode(Precondition.fill(e.getValue(), resource)));
        }
        return new Target(path, q.length() == 0 ? null : q.toString());
    }

    /**
     * Why the request of {@code p} for {@code resource} may not be sent through {@code provider}, or empty if it may.
     * The message names the provider and the operation; it never holds a credential.
     */
    public static Optional<String> problem(Precondition p, Provider provider, Policy policy, String resource) {
        if (provider.kind() != Provider.Kind.REST) {
            return Optional.of("provider " + provider.name() + " is kind " + provider.kind().keyword()
                    + "; preconditions send a REST GET, so they name kind: rest providers only");
        }
        Target t = target(p, resource);
        MappingResult m = provider.map(ProxyRequest.of("GET", t.rawPath(), t.rawQuery()));
        if (m instanceof MappingResult.Refused r) {
            return Optional.of("GET " + RequestChecks.printable(t.uri()) + " does not map through provider "
                    + provider.name() + "'s rules (" + r.code() + ": " + r.reason() + ")");
        }
        String canonical = CanonicalId.of(resource);
        for (ProxyAction a : ((MappingResult.Mapped) m).actions()) {
            boolean destructive = policy.scope(a.scope()).map(Scope::destructive).orElse(true);
            if (destructive) {
                return Optional.of("GET " + RequestChecks.printable(t.uri()) + " maps to " + a.operation() + " -> "
                        + a.scope() + ", which is destructive: a precondition may only read");
            }
            for (String r : a.resources()) {
                if (!CanonicalId.of(r).equals(canonical)) {
                    return Optional.of("GET " + RequestChecks.printable(t.uri()) + " touches resource '"
                            + RequestChecks.printable(r) + "', not the grant's own: a precondition reads only about"
                            + " the resource it guards");
                }
            }
        }
        return Optional.empty();
    }

    /**
     * At load: every precondition names a loaded provider and its request passes {@link #problem} for a sample id of
     * the provider's syntax for the scope's resource type. Problems are located in {@code grants.yaml}.
     */
    public static List<PolicyProblem> check(Policy policy, Providers providers) {
        List<PolicyProblem> out = new ArrayList<>();
        for (Precondition p : policy.preconditions()) {
            Optional<Provider> provider = providers.get(p.provider());
            if (provider.isEmpty()) {
                List<String> names = new ArrayList<>();
                providers.all().forEach(x -> names.add(x.name()));
                out.add(new PolicyProblem(Precondition.FILE, p.line(), p.path() + ".provider", "unknown provider '"
                        + p.provider() + "' (known: " + (names.isEmpty() ? "none" : String.join(", ", names)) + ")"));
                continue;
            }
            IdSyntax ids = provider.get().mapper() instanceof RestMapper rest ? rest.ids() : IdSyntax.DEFAULT;
            String sample = ids.sample(IdSyntax.typeOf(p.scope()));
            if (sample == null) {
                out.add(new PolicyProblem(Precondition.FILE, p.line(), p.path() + ".request", "provider "
                        + p.provider() + "'s id syntax for " + IdSyntax.typeOf(p.scope()) + " admits no id to check"
                        + " this request with"));
                continue;
            }
            problem(p, provider.get(), policy, sample).ifPresent(m ->
                    out.add(new PolicyProblem(Precondition.FILE, p.line(), p.path() + ".request", m)));
        }
        return out;
    }

    private static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            boolean unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~';
            if (unreserved) out.append(c);
            else out.append('%').append(String.format("%02X", b & 0xFF));
        }
        return out.toString();
    }
}
