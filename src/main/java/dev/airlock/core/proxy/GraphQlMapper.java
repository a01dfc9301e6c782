package dev.airlock.core.proxy;

import graphql.language.Definition;
import graphql.language.Document;
import graphql.language.Field;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import graphql.parser.ParserEnvironment;
import graphql.parser.ParserOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Maps GraphQL requests by the root fields of their operations. The document is parsed with graphql-java's real
 * parser under explicit limits, and then every root field of <em>every</em> operation in the document, with
 * fragments and inline fragments expanded, must have a rule: fields are mapped by name, never by alias, and
 * the whole request is refused if one field is not mapped. Mapping all operations rather than only the one
 * {@code operationName} selects costs nothing for honest clients and means a server that disagrees with us
 * about which operation runs still runs only something that was checked.
 */
public final class GraphQlMapper implements RequestMapper {
    /** Parser limits: what a hand-written or generated client query needs, with a wide margin, and no more. */
    public static final int MAX_CHARACTERS = 256 * 1024;
    public static final int MAX_TOKENS = 10_000;
    public static final int MAX_WHITESPACE_TOKENS = 50_000;
    /** Grammar-rule nesting; bounds the parser's recursion, so a deeply nested document cannot overflow the stack. */
    public static final int MAX_RULE_DEPTH = 200;
    /** Root selections visited while expanding fragments; a fragment that spreads another twice, ten deep, is refused. */
    public static final int MAX_ROOT_SELECTIONS = 1_000;

    private static final ParserOptions PARSER_OPTIONS = ParserOptions.newParserOptions()
            .captureIgnoredChars(false)
            .captureLineComments(false)
            .captureSourceLocation(true)
            .maxCharacters(MAX_CHARACTERS)
            .maxTokens(MAX_TOKENS)
            .maxWhitespaceTokens(MAX_WHITESPACE_TOKENS)
            
            .build();

    private final String provider;
    private final List<String> endpoint;
    private final String endpointText;
    private final Map<String, GraphQlRule> rules;
    private final String introspectionScope;
    private final IdSyntax ids;

    /** A mapper whose resource ids must match {@link IdSyntax#DEFAULT}. */
    public GraphQlMapper(String provider, String endpoint, List<GraphQlRule> rules, String introspectionScope) {
        this(provider, endpoint, rules, introspectionScope, IdSyntax.DEFAULT);
    }

    /**
     * @param endpoint           the path the provider serves GraphQL at ({@code /graphql/v2}); every other path is refused
     * @param introspectionScope the scope {@code __schema} and {@code __type} need, or null to refuse them
     * @param ids                the syntax every resource id must match, by the type of its rule's scope
     * @throws IllegalArgumentException for a malformed endpoint or two rules for one field
     */
    public GraphQlMapper(String provider, String endpoint, List<GraphQlRule> rules, String introspectionScope,
                         IdSyntax ids) {
        this.provider = provider;
        this.ids = java.util.Objects.requireNonNull(ids, "ids");
        this.endpointText = endpoint;
        try {
            this.endpoint = RequestChecks.segments(endpoint);
        } catch (Refusal r) {
            throw new IllegalArgumentException("malformed endpoint: " + r.getMessage());
        }
        this.rules = new LinkedHashMap<>();
        for (GraphQlRule rule : rules) {
            if (this.rules.put(key(rule.operation(), rule.field()), rule) != null) {
                throw new IllegalArgumentException("two rules for " + rule.describe());
            }
        }
        this.introspectionScope = introspectionScope;
    }

    public List<GraphQlRule> rules() {
        return List.copyOf(rules.values());
    }

    public String endpoint() {
        return endpointText;
    }

    /** The scope introspection needs, or null when it is refused. */
    public String introspectionScope() {
        return introspectionScope;
    }

    public IdSyntax ids() {
        return ids;
    }

    @Override
    public MappingResult map(ProxyRequest request) {
        try {
            List<String> segments = RequestChecks.check(request);
            if (!segments.equals(endpoint)) {
                throw new Refusal(MappingResult.UNMAPPED, "provider '" + provider + "' serves GraphQL at "
                        + endpointText + " only");
            }
            GraphQlEnvelope.Parsed parsed = GraphQlEnvelope.parse(request);
            List<ProxyAction> actions = new ArrayList<>();
            for (GraphQlEnvelope.Request r : parsed.requests()) actions.addAll(map(r, parsed.viaGet()));
            if (actions.isEmpty()) {
                throw new Refusal(MappingResult.UNMAPPED, "the request selects no field that a rule maps");
            }
            int resources = actions.stream().mapToInt(a -> a.resources().size()).sum();
            if (resources > ResourceIds.MAX_PER_REQUEST) {
                throw new Refusal(MappingResult.BAD_RESOURCE, "more than " + ResourceIds.MAX_PER_REQUEST + " resources");
            }
            return new MappingResult.Mapped(actions);
        } catch (Refusal r) {
            return r.result();
        }
    }

    private List<ProxyAction> map(GraphQlEnvelope.Request request, boolean viaGet) throws Refusal {
        Document document = parse(request.query());
        List<OperationDefinition> operations = new ArrayList<>();
        Map<String, FragmentDefinition> fragments = new HashMap<>();
        for (Definition<?> d : document.getDefinitions()) {
            if (d instanceof OperationDefinition op) {
                operations.add(op);
            } else if (d instanceof FragmentDefinition f) {
                if (fragments.put(f.getName(), f) != null) {
                    throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "fragment '" + f.getName() + "' is defined twice");
                }
            } else {
                throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "only operations and fragments may be sent (GraphQL"
                        + " spec §6.1: an executable document), not type system definitions");
            }
        }
        selectOperation(operations, request.operationName());
        Fragments.checkNoCycles(fragments);
        for (OperationDefinition op : operations) {
            if (op.getOperation() == OperationDefinition.Operation.SUBSCRIPTION) {
                throw new Refusal(MappingResult.GRAPHQL_SUBSCRIPTION, "subscriptions are not proxied");
            }
            if (viaGet && op.getOperation() == OperationDefinition.Operation.MUTATION) {
                throw new Refusal(MappingResult.GRAPHQL_MUTATION_VIA_GET, "a mutation must be sent by POST"
                        + " (GraphQL over HTTP: GET is for queries only)");
            }
        }
        List<ProxyAction> actions = new ArrayList<>();
        for (OperationDefinition op : operations) {
            GraphQlRule.Operation kind = op.getOperation() == OperationDefinition.Operation.MUTATION
                    ? GraphQlRule.Operation.MUTATION : GraphQlRule.Operation.QUERY;
            List<Field> fields = new ArrayList<>();
            Fragments.collectRootFields(op.getSelectionSet(), fragments, fields, new int[] {MAX_ROOT_SELECTIONS});
            Arguments arguments = new Arguments(op, request.variables());
            for (Field field : fields) {
                ProxyAction action = map(kind, field, arguments);
                if (action != null) actions.add(action);
            }
        }
        return actions;
    }

    /** The action one root field takes, or null for {@code __typename}, which reads nothing. */
    private ProxyAction map(GraphQlRule.Operation kind, Field field, Arguments arguments) throws Refusal {
        String name = field.getName();
        if (name.equals("__typename")) return null;
        if (name.equals("__schema") || name.equals("__type")) {
            if (introspectionScope == null || kind != GraphQlRule.Operation.QUERY) {
                throw new Refusal(MappingResult.GRAPHQL_INTROSPECTION, "introspection (" + name + ") is refused by"
                        + " provider '" + provider + "'");
            }
            return new ProxyAction(introspectionScope, List.of(), "query " + name);
        }
        GraphQlRule rule = rules.get(key(kind, name));
        if (rule == null) {
            throw new Refusal(MappingResult.UNMAPPED, kind.keyword() + " field '" + name + "' has no rule in provider '"
                    + provider + "'" + (field.getAlias() == null ? "" : " (aliased as '" + field.getAlias() + "')"));
        }
        Set<String> seen = new HashSet<>();
        for (var argument : field.getArguments()) {
            if (!seen.add(argument.getName())) {
                throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "argument '" + argument.getName() + "' of "
                        + rule.describe() + " is given twice");
            }
        }
        List<String> resources = new ArrayList<>();
        String type = IdSyntax.typeOf(rule.scope());
        for (GraphQlRule.ArgPath path : rule.resources()) {
            String where = "argument " + path + " of " + rule.describe();
            int before = resources.size();
            arguments.resolve(field, path, where, resources);
            for (String id : resources.subList(before, resources.size())) ids.check(id, type, where, provider);
        }
        return new ProxyAction(rule.scope(), resources, rule.describe());
    }

    /**
     * GraphQL spec §6.1 GetOperation, refusing what the spec calls invalid instead of guessing: several operations
     * need an operationName, the name must exist, and names are unique (§5.2.1).
     */
    private static void selectOperation(List<OperationDefinition> operations, String operationName) throws Refusal {
        if (operations.isEmpty()) throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "the document has no operation");
        Set<String> names = new HashSet<>();
        for (OperationDefinition op : operations) {
            if (op.getName() == null) {
                if (operations.size() > 1) {
                    throw new Refusal(MappingResult.GRAPHQL_OPERATION, "an anonymous operation must be the only one"
                            + " in its document");
                }
            } else if (!names.add(op.getName())) {
                throw new Refusal(MappingResult.GRAPHQL_OPERATION, "operation '" + op.getName() + "' is defined twice");
            }
        }
        if (operationName == null) {
            if (operations.size() > 1) {
                throw new Refusal(MappingResult.GRAPHQL_OPERATION, "the document has " + operations.size()
                        + " operations and no operationName says which one runs");
            }
        } else if (!names.contains(operationName)) {
            throw new Refusal(MappingResult.GRAPHQL_OPERATION, "operationName '" + RequestChecks.printable(operationName)
                    + "' names no operation in the document");
        }
    }

    private static Document parse(String query) throws Refusal {
        try {
            return Parser.parse(ParserEnvironment.newParserEnvironment()
                    .document(query)
                    .parserOptions(PARSER_OPTIONS)
                    .locale(Locale.ENGLISH)
                    .build());
        } catch (InvalidSyntaxException e) {
            // Also the parser's limits (too many tokens, too deep), which are subclasses.
            throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "the GraphQL document cannot be parsed: "
                    + RequestChecks.printable(String.valueOf(e.getMessage()), 300));
        } catch (RuntimeException e) {
            // Hostile input must never surface as an internal error; refusing is always safe here.
            throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "the GraphQL document cannot be parsed");
        }
    }

    private static String key(GraphQlRule.Operation operation, String field) {
        return operation.keyword() + " " + field;
    }

    /** Fragment handling: the cycle check and the expansion of root selection sets. */
    static final class Fragments {
        private Fragments() {}

        /** Every root field an operation selects, fragments expanded, type conditions and directives ignored. */
        static void collectRootFields(SelectionSet set, Map<String, FragmentDefinition> fragments, List<Field> out,
                                      int[] budget) throws Refusal {
            if (set == null) return;
            for (Selection<?> selection : set.getSelections()) {
                // Directives (@skip, @include) are ignored on purpose: a field that might run is checked.
                if (--budget[0] < 0) {
                    throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "more than " + MAX_ROOT_SELECTIONS
                            + " root selections once fragments are expanded");
                }
                if (selection instanceof Field f) {
                    out.add(f);
                } else if (selection instanceof InlineFragment inline) {
                    collectRootFields(inline.getSelectionSet(), fragments, out, budget);
                } else if (selection instanceof FragmentSpread spread) {
                    FragmentDefinition definition = fragments.get(spread.getName());
                    if (definition == null) {
                        throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "fragment '" + spread.getName() + "' is not defined");
                    }
                    collectRootFields(definition.getSelectionSet(), fragments, out, budget);
                } else {
                    throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "unsupported selection");
                }
            }
        }

        /** Refuses fragments that spread themselves, directly or through others (spec §5.5.2.2), and unknown spreads. */
        static void checkNoCycles(Map<String, FragmentDefinition> fragments) throws Refusal {
            Map<String, Integer> state = new HashMap<>(); // 1 = on the current path, 2 = done
            for (String name : fragments.keySet()) visit(name, fragments, state);
        }

        private static void visit(String name, Map<String, FragmentDefinition> fragments, Map<String, Integer> state)
                throws Refusal {
            Integer s = state.get(name);
            if (s != null && s == 2) return;
            if (s != null) throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "fragment '" + name + "' spreads itself");
            FragmentDefinition definition = fragments.get(name);
            if (definition == null) throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "fragment '" + name + "' is not defined");
            state.put(name, 1);
            List<String> spreads = new ArrayList<>();
            spreadsIn(definition.getSelectionSet(), spreads);
            for (String next : spreads) visit(next, fragments, state);
            state.put(name, 2);
        }

        /** Spreads anywhere inside a selection set, nested fields included; recursion bounded by the parser's depth limit. */
        private static void spreadsIn(SelectionSet set, List<String> out) {
            if (set == null) return;
            for (Selection<?> selection : set.getSelections()) {
                if (selection instanceof FragmentSpread spread) {
                    out.add(spread.getName());
                } else if (selection instanceof InlineFragment inline) {
                    spreadsIn(inline.getSelectionSet(), out);
                } else if (selection instanceof Field f) {
                    spreadsIn(f.getSelectionSet(), out);
                }
            }
        }
    }
}
