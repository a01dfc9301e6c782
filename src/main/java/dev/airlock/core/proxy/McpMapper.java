package dev.airlock.core.proxy;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Maps one MCP {@code tools/call} (tool name and {@code arguments}) of a {@code kind: mcp} provider to the action it
 * takes, as {@link GraphQlMapper} maps a root field: the tool's rule gives the scope, the rule's JSON pointers give the
 * resources, each checked against the provider's id syntax. Pure: the upstream's annotations are handed in.
 *
 * <p>Destructive is derived three ways and the strictest wins (DESIGN "What is destructive"): the rule's scope, the
 * tool's name (checked when the file is loaded: a destructive name may map only to a destructive scope), and the
 * upstream's {@code destructiveHint}. The last is known only at run time, so a rule whose scope is not destructive for
 * a tool the upstream announces as destructive is refused here ({@link #DESTRUCTIVE_BY_HINT}): an automatic token must
 * never run what the provider itself says destroys, and the fix is the operator's (map it to a destructive scope).
 */
public final class McpMapper implements RequestMapper {
    /** The upstream announces the tool destructive and the rule maps it to a scope that is not. */
    public static final String DESTRUCTIVE_BY_HINT = "destructive_by_hint";
    /** An MCP provider is reached at {@code /mcp/<name>}, never through {@code /proxy/}. */
    public static final String NOT_PROXIED = "mcp_provider";

    private final String provider;
    private final Map<String, McpRule> rules = new LinkedHashMap<>();
    private final IdSyntax ids;
    private final Predicate<String> destructiveScope;

    /** @param destructiveScope whether a scope of the policy is destructive */
    public McpMapper(String provider, List<McpRule> rules, IdSyntax ids, Predicate<String> destructiveScope) {
        this.provider = Objects.requireNonNull(provider, "provider");
        for (McpRule r : rules) {
            if (this.rules.put(r.tool(), r) != null) throw new IllegalArgumentException("tool " + r.tool() + " twice");
        }
        this.ids = Objects.requireNonNull(ids, "ids");
        this.destructiveScope = Objects.requireNonNull(destructiveScope, "destructiveScope");
    }

    public List<McpRule> rules() {
        return List.copyOf(rules.values());
    }

    public Optional<McpRule> rule(String tool) {
        return Optional.ofNullable(rules.get(tool));
    }

    public IdSyntax ids() {
        return ids;
    }

    /** Whether calling {@code rule}'s tool is destructive: by its scope, its name, or the upstream's hint. */
    public boolean destructive(McpRule rule, boolean upstreamSaysDestructive) {
        return destructiveScope.test(rule.scope()) || rule.shape().destructive() || upstreamSaysDestructive;
    }

    @Override
    public MappingResult map(ProxyRequest request) {
        return new MappingResult.Refused(NOT_PROXIED, "provider '" + provider + "' is an MCP server: call it at /mcp/"
                + provider + " with an MCP client, not through /proxy/");
    }

    /**
     * @param tool                    {@code params.name} of the call
     * @param arguments               {@code params.arguments}; null when absent (then it is the empty object)
     * @param upstreamSaysDestructive the upstream announces {@code destructiveHint} for this tool (see
     *                                {@code McpToolHints})
     */
    public MappingResult mapCall(String tool, JsonNode arguments, boolean upstreamSaysDestructive) {
        try {
            return new MappingResult.Mapped(List.of(action(tool, arguments, upstreamSaysDestructive)));
        } catch (Refusal r) {
            return r.result();
        }
    }

    private ProxyAction action(String tool, JsonNode arguments, boolean hint) throws Refusal {
        McpRule rule = rules.get(tool);
        if (rule == null) {
            throw new Refusal(MappingResult.UNMAPPED, "tool '" + RequestChecks.printable(tool, 128) + "' has no rule in"
                    + " provider '" + provider + "': unmapped tools are refused (the operator maps tools in"
                    + " providers/" + provider + ".yaml)");
        }
        if (hint && !destructiveScope.test(rule.scope())) {
            throw new Refusal(DESTRUCTIVE_BY_HINT, "the MCP server behind provider '" + provider + "' announces tool '"
                    + tool + "' as destructive (destructiveHint), but providers/" + provider + ".yaml maps it to the"
                    + " non-destructive scope '" + rule.scope() + "'; it is refused until the operator maps it to a"
                    + " destructive scope, which only a human grant can give");
        }
        if (arguments != null && !arguments.isObject()) {
            throw new Refusal(MappingResult.BAD_REQUEST, "arguments of " + rule.describe() + " must be an object");
        }
        JsonNode args = arguments == null ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                : arguments;
        List<String> resources = new ArrayList<>();
        String type = IdSyntax.typeOf(rule.scope());
        for (JsonPointer pointer : rule.resources()) {
            String where = "argument " + pointer + " of " + rule.describe();
            int before = resources.size();
            ResourceIds.fromJson(StrictJson.at((ObjectNode) args, pointer, where), where, resources);
            for (String id : resources.subList(before, resources.size())) ids.check(id, type, where, provider);
            if (resources.size() > ResourceIds.MAX_PER_REQUEST) {
                throw new Refusal(MappingResult.BAD_RESOURCE, rule.describe() + " names more than "
                        + ResourceIds.MAX_PER_REQUEST + " resources");
            }
        }
        return new ProxyAction(rule.scope(), resources, rule.describe());
    }
}
