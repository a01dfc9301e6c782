package dev.airlock.core.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.core.policy.DestructiveWords;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Maps REST requests by method and path template. A request is mapped by the one rule whose method equals the
 * request's and whose template matches its canonical path; templates of one method never overlap (the loader
 * refuses that), so there is never a choice to make. No rule, no mapping: refused.
 */
public final class RestMapper implements RequestMapper {
    private final String provider;
    private final List<RestRule> rules;
    private final IdSyntax ids;
    private final Predicate<String> destructiveScope;

    /**
     * A mapper whose resource ids must match {@link IdSyntax#DEFAULT} and which counts no scope as destructive (so a
     * destructive word in a free template parameter is always refused).
     */
    public RestMapper(String provider, List<RestRule> rules) {
        this(provider, rules, IdSyntax.DEFAULT, scope -> false);
    }

    /**
     * @param ids              the syntax every resource id must match, by the type of its rule's scope
     * @param destructiveScope whether a scope the rules name is destructive (the policy's risk, derived and declared)
     * @throws IllegalArgumentException if two rules of one method could match the same path
     */
    public RestMapper(String provider, List<RestRule> rules, IdSyntax ids, Predicate<String> destructiveScope) {
        this.provider = provider;
        this.destructiveScope = java.util.Objects.requireNonNull(destructiveScope, "destructiveScope");
        this.ids = java.util.Objects.requireNonNull(ids, "ids");
        this.rules = List.copyOf(rules);
        for (int i = 0; i < this.rules.size(); i++) {
            for (int j = i + 1; j < this.rules.size(); j++) {
                RestRule a = this.rules.get(i);
                RestRule b = this.rules.get(j);
                if (a.method().equals(b.method()) && a.path().overlaps(b.path())) {
                    throw new IllegalArgumentException("rules " + a.describe() + " and " + b.describe() + " overlap");
                }
            }
        }
    }

    public List<RestRule> rules() {
        return rules;
    }

    public IdSyntax ids() {
        return ids;
    }

    @Override
    public MappingResult map(ProxyRequest request) {
        try {
            List<String> segments = RequestChecks.check(request);
            QueryString query = QueryString.parse(request.rawQuery(), false);
            refuseFormMethodOverride(request);
            for (RestRule rule : rules) {
                if (!rule.method().equals(request.method())) continue;
                Map<String, String> params = rule.path().match(segments);
                if (params == null) continue;
                refuseDestructiveParameter(rule, params);
                return new MappingResult.Mapped(List.of(
                        new ProxyAction(rule.scope(), resources(rule, params, query, request), rule.describe())));
            }
            return new MappingResult.Refused(MappingResult.UNMAPPED, "no rule of provider '" + provider + "' maps "
                    + request.method() + " " + RequestChecks.printable(request.rawPath().isEmpty() ? "/" : request.rawPath()));
        } catch (Refusal r) {
            return r.result();
        }
    }

    /**
     * The loader classifies a rule by its template (method and literal segments); a template parameter that names no
     * resource is request data that can choose the operation itself ({@code POST /v1/volumes/{id}/{action}} sent as
     * {@code .../purge}). Such a value is read as a path segment of the request's shape: with a destructive word in it,
     * the rule's scope must be destructive, or the request is refused (derive, don't trust; issue 12). Parameters that
     * name resources are ids, held to the provider's id syntax instead.
     */
    private void refuseDestructiveParameter(RestRule rule, Map<String, String> params) throws Refusal {
        if (destructiveScope.test(rule.scope())) return;
        for (Map.Entry<String, String> p : params.entrySet()) {
            boolean names = false;
            for (RestRule.Resource r : rule.resources()) {
                if (r instanceof RestRule.FromPath from && from.name().equals(p.getKey())) names = true;
            }
            if (names) continue;
            Optional<String> word = DestructiveWords.destructivePart(p.getValue());
            if (word.isPresent()) {
                throw new Refusal(MappingResult.DESTRUCTIVE_BY_SHAPE, "path parameter {" + p.getKey() + "} is '"
                        + RequestChecks.printable(p.getValue()) + "', which contains the destructive word '" + word.get()
                        + "', and " + rule.describe() + " maps to " + rule.scope() + ", which is not destructive: this"
                        + " request would do what only a human grant may allow. Ask the operators to map this operation"
                        + " to a destructive scope in the provider's file; then request a grant for it");
            }
        }
    }

    private List<String> resources(RestRule rule, Map<String, String> params, QueryString query,
                                   ProxyRequest request) throws Refusal {
        List<String> out = new ArrayList<>();
        JsonNode body = null;
        String type = IdSyntax.typeOf(rule.scope());
        for (RestRule.Resource r : rule.resources()) {
            int before = out.size();
            String where;
            if (r instanceof RestRule.FromPath p) {
                where = "path parameter {" + p.name() + "}";
                out.add(ResourceIds.check(params.get(p.name()), where));
            } else if (r instanceof RestRule.FromQuery q) {
                QueryString.Param param = query.single(q.name());
                where = "query parameter '" + q.name() + "'";
                if (param == null) throw new Refusal(MappingResult.BAD_RESOURCE, where + " is missing");
                if (param.raw().indexOf('+') >= 0) {
                    // '+' is a space to form decoders and a '+' to RFC 3986 ones: two possible ids.
                    throw new Refusal(MappingResult.BAD_RESOURCE, where + " contains '+': send %2B or %20");
                }
                out.add(ResourceIds.check(param.value(), where));
            } else if (r instanceof RestRule.FromBody b) {
                if (body == null) {
                    StrictJson.requireJson(request.contentType(), "a body holding a resource id");
                    body = StrictJson.parse(RequestChecks.utf8(request.bodyBytes()), "the body");
                }
                where = "body field " + b.pointer();
                ResourceIds.fromJson(StrictJson.at(body, b.pointer(), where), where, out);
            } else {
                throw new IllegalStateException("unknown resource source " + r);
            }
            for (String id : out.subList(before, out.size())) ids.check(id, type, where, provider);
        }
        if (out.size() > ResourceIds.MAX_PER_REQUEST) {
            throw new Refusal(MappingResult.BAD_RESOURCE, "more than " + ResourceIds.MAX_PER_REQUEST + " resources");
        }
        return out;
    }

    /**
     * Rails, Laravel and Spring's HiddenHttpMethodFilter read {@code _method} from form bodies and run that
     * method instead. A urlencoded body is decoded and refused if any field is named {@code _method}; a multipart
     * body naming {@code _method} anywhere, plainly or encoded, is refused.
     */
    private static void refuseFormMethodOverride(ProxyRequest request) throws Refusal {
        String type = request.contentType() == null ? "" : request.contentType().toLowerCase(Locale.ROOT);
        String body = new String(request.bodyBytes(), StandardCharsets.ISO_8859_1);
        if (type.startsWith("application/x-www-form-urlencoded")) {
            QueryString.parse(body, true); // refuses a _method field, however encoded
        } else if (type.startsWith("multipart/form-data")) {
            String lower = body.toLowerCase(Locale.ROOT);
            if (lower.contains("_method") || lower.contains("%5fmethod")) {
                throw new Refusal(MappingResult.METHOD_OVERRIDE, "a form field _method is refused: the upstream could"
                        + " run another method than the one checked; send the real method instead");
            }
        }
    }
}
