package dev.airlock.core.proxy;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link RequestMapper} made of one request: every action it would take, or why it is refused. There is
 * no third outcome: a request the mapper cannot fully account for is refused (fail closed).
 */
public sealed interface MappingResult permits MappingResult.Mapped, MappingResult.Refused {
    /** No rule maps the request (REST), or a root field has no rule (GraphQL), or nothing was mapped at all. */
    String UNMAPPED = "unmapped_request";
    /** The path is ambiguous: encoded '/', '.', '%' or '\', dot or empty segments, ';', control or non-ASCII bytes. */
    String BAD_PATH = "bad_path";
    /** Not a standard method in upper case, or a method the endpoint does not serve. */
    String BAD_METHOD = "bad_method";
    /** An X-HTTP-Method-Override style header or a {@code _method} parameter: the upstream might obey it. */
    String METHOD_OVERRIDE = "method_override";
    /** A resource a rule names is missing, repeated, or not a plain id. */
    String BAD_RESOURCE = "bad_resource";
    /** The body, query string or content type cannot be read one way only. */
    String BAD_REQUEST = "bad_request";
    /** The GraphQL document does not parse, exceeds the parser limits, or is not an executable document. */
    String GRAPHQL_SYNTAX = "graphql_syntax";
    /** Which operation runs is not clear: several without operationName, an unknown name, duplicates. */
    String GRAPHQL_OPERATION = "graphql_operation";
    /** A mutation in a GET request (GraphQL over HTTP: GET is for queries only). */
    String GRAPHQL_MUTATION_VIA_GET = "graphql_mutation_via_get";
    /** A subscription: long-lived streams are not proxied. */
    String GRAPHQL_SUBSCRIPTION = "graphql_subscription";
    /** {@code __schema} or {@code __type}, and the provider gives introspection no scope. */
    String GRAPHQL_INTROSPECTION = "graphql_introspection";
    /** A persisted-query extension: the upstream may run a stored document instead of the one we read. */
    String GRAPHQL_PERSISTED_QUERY = "graphql_persisted_query";
    /** A batch that is empty or larger than the limit. */
    String GRAPHQL_BATCH = "graphql_batch";
    /**
     * A template parameter that names no resource carries a destructive word ({@code POST /v1/volumes/{id}/{action}}
     * sent as {@code .../purge}), and the rule maps to a scope that is not destructive: the request chooses a
     * destructive operation that the rule's scope does not cover.
     */
    String DESTRUCTIVE_BY_SHAPE = "destructive_by_shape";

    /** Every action the request would take; all of them must be allowed, or the whole request is refused. */
    record Mapped(List<ProxyAction> actions) implements MappingResult {
        public Mapped {
            actions = List.copyOf(actions);
            // An empty list would let a request through with nothing checked.
            if (actions.isEmpty()) throw new IllegalArgumentException("a mapped request has at least one action");
        }
    }

    /**
     * @param code   one of the constants above, stable for clients
     * @param reason for the agent, in words; never contains a credential
     */
    record Refused(String code, String reason) implements MappingResult {
        public Refused {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
