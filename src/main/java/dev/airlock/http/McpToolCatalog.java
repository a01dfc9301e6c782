package dev.airlock.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.proxy.McpRule;
import dev.airlock.core.proxy.Provider;
import dev.airlock.core.proxy.ProxyVerdict;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The upstream's tools ({@code tools/list}, every page), per provider, cached for {@link Options#ttl()}: the gateway
 * consults their annotations at each {@code tools/call} ({@code destructiveHint}) and merges their descriptions and
 * schemas into its own {@code tools/list}. Bounded: at most {@link Options#maxPages()} pages and {@link Options#maxTools()}
 * tools per provider (more is refused, not cut: a cut list could hide the hint of a tool we then call), one entry per
 * provider of the policy. A fetch that fails is not cached, and the caller fails closed.
 */
final class McpToolCatalog {
    /**
     * @param ttl      how long a fetched list is used before it is fetched again
     * @param maxTools tools per provider
     * @param maxPages pages of {@code tools/list} followed per fetch
     */
    record Options(Duration ttl, int maxTools, int maxPages) {
        static final Options DEFAULTS = new Options(Duration.ofSeconds(60), 1_000, 20);
    }

    private record Entry(Instant fetched, Map<String, ObjectNode> tools) {}

    private final McpUpstream upstream;
    private final Options options;
    private final Clock clock;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    McpToolCatalog(McpUpstream upstream, Options options, Clock clock) {
        this.upstream = upstream;
        this.options = options;
        this.clock = clock;
    }

    /** The upstream's tools by name, in its order. */
    Future<Map<String, ObjectNode>> tools(Provider provider, ProxyVerdict.Credential credential) {
        Entry e = cache.get(McpUpstream.key(provider));
        Instant now = clock.instant();
        if (e != null && now.isBefore(e.fetched().plus(options.ttl()))) return Future.succeededFuture(e.tools());
        return page(provider, credential, null, new LinkedHashMap<>(), 0).map(tools -> {
            Map<String, ObjectNode> fixed = java.util.Collections.unmodifiableMap(tools);
            cache.put(McpUpstream.key(provider), new Entry(now, fixed));
            return fixed;
        });
    }

    /** Forgets what was fetched (the policy was reloaded, or a test changes the upstream). */
    void clear() {
        cache.clear();
    }

    private Future<Map<String, ObjectNode>> page(Provider provider, ProxyVerdict.Credential credential, String cursor,
                                                 Map<String, ObjectNode> out, int pages) {
        if (pages >= options.maxPages()) {
            return Future.failedFuture(new McpUpstream.Failed("the upstream's tools/list has more than "
                    + options.maxPages() + " pages"));
        }
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        if (cursor != null) params.put("cursor", cursor);
        return upstream.call(provider, credential, "tools/list", params).compose(answer -> {
            JsonNode tools = answer.path("result").path("tools");
            if (!tools.isArray()) return Future.failedFuture(new McpUpstream.Failed("the upstream's tools/list has no"
                    + " tools list"));
            for (JsonNode t : tools) {
                JsonNode name = t.get("name");
                if (!(t instanceof ObjectNode o) || name == null || !name.isTextual()
                        || !McpRule.NAME.matcher(name.textValue()).matches()) continue; // never listed, never mapped
                if (out.putIfAbsent(name.textValue(), o) != null) {
                    // Two entries of one name may carry different hints: which would the upstream run?
                    return Future.failedFuture(new McpUpstream.Failed("the upstream lists tool " + name.textValue()
                            + " twice"));
                }
                if (out.size() > options.maxTools()) {
                    return Future.failedFuture(new McpUpstream.Failed("the upstream lists more than "
                            + options.maxTools() + " tools"));
                }
            }
            JsonNode next = answer.path("result").get("nextCursor");
            if (next != null && next.isTextual() && !next.textValue().isEmpty()) {
                return page(provider, credential, next.textValue(), out, pages + 1);
            }
            return Future.succeededFuture(out);
        });
    }
}
