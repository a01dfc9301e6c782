package dev.airlock.http;

import io.vertx.core.Vertx;
import java.time.Clock;

/**
 * The MCP gateway's connections to upstream MCP servers and what it caches of them, kept across policy reloads like
 * the proxy's forwarder (entries are keyed by provider name and upstream URL, so a reload that moves a provider starts
 * afresh).
 */
record McpClients(McpUpstream upstream, McpToolCatalog catalog) {
    /** Both limits together, so benchmarks and tests configure the gateway in one place. */
    record Options(McpUpstream.Options upstream, McpToolCatalog.Options catalog) {
        static final Options DEFAULTS = new Options(McpUpstream.Options.DEFAULTS, McpToolCatalog.Options.DEFAULTS);
    }

    static McpClients create(Vertx vertx, Options options, Clock clock) {
        McpUpstream upstream = new McpUpstream(vertx, options.upstream());
        return new McpClients(upstream, new McpToolCatalog(upstream, options.catalog(), clock));
    }
}
