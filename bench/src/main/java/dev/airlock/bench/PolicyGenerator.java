package dev.airlock.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a large, valid policy folder: {@code resources} resources spread over the three environments (exact ids and
 * a few suffix globs, never overlapping across environments), {@code agents} agents, the example's scopes and grant
 * rules. Used by the lint benchmark (1,000 resources, 100 agents) and by the load benchmark, which adds its own two
 * agents and a provider for the proxy run.
 */
public final class PolicyGenerator {
    public static final List<String> ENVIRONMENTS = List.of("dev", "staging", "production");
    static final List<String> TYPES = List.of("volume", "db", "service");

    /** An extra agent for the load run, written verbatim under {@code agents:}. */
    public record ExtraAgent(String yaml) {}

    private PolicyGenerator() {}

    /**
     * @param agents   agents in all, counting {@code extra}
     * @param upstream the proxy provider's upstream URL, or null for no provider
     */
    public static void write(Path dir, int resources, int agents, List<ExtraAgent> extra, String upstream)
            throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("scopes.yaml"), scopes());
        Files.writeString(dir.resolve("environments.yaml"), environments(resources));
        Files.writeString(dir.resolve("agents.yaml"), agents(agents, extra));
        Files.writeString(dir.resolve("grants.yaml"), grants());
        if (upstream != null) {
            Files.createDirectories(dir.resolve("providers"));
            Files.writeString(dir.resolve("providers").resolve("bench.yaml"), provider(upstream));
            Files.writeString(dir.resolve("providers").resolve("bench-mcp.yaml"), mcpProvider(upstream));
        }
    }

    /** Short environment tags used in resource ids. */
    static String tag(String env) {
        return switch (env) {
            case "dev" -> "dev";
            case "staging" -> "stg";
            default -> "prod";
        };
    }

    /** The id of the {@code i}-th exact resource of {@code type} in {@code env}, as the environments file has it. */
    public static String resourceId(String type, String env, int i) {
        String prefix = switch (type) {
            case "volume" -> "vol";
            case "service" -> "svc";
            default -> type;
        };
        return String.format("%s-%s-%04d", prefix, tag(env), i);
    }

    static String scopes() {
        StringBuilder y = new StringBuilder("scopes:\n");
        String[][] all = {{"db:read", "read"}, {"db:write", "write"}, {"db:drop", "destructive"},
                {"volume:read", "read"}, {"volume:write", "write"}, {"volume:delete", "destructive"},
                {"service:read", "read"}, {"service:restart", "write"}, {"service:delete", "destructive"},
                {"variable:read", "read"}, {"deployment:restart", "write"}};
        for (String[] s : all) y.append("  - name: ").append(s[0]).append("\n    risk: ").append(s[1]).append('\n');
        y.append("  - name: variable:write\n    risk: write\n    grant_required: true\n");
        return y.toString();
    }

    static String environments(int resources) {
        StringBuilder y = new StringBuilder("environments:\n");
        int globs = 3; // per environment, one per type
        int exact = resources - globs * ENVIRONMENTS.size();
        for (int e = 0; e < ENVIRONMENTS.size(); e++) {
            String env = ENVIRONMENTS.get(e);
            y.append("  - name: ").append(env).append('\n');
            if (env.equals("production")) y.append("    token_lifetime: 5m\n");
            y.append("    resources:\n");
            for (String type : TYPES) {
                y.append("      - id: tmp-").append(type).append("-*-").append(tag(env)).append("\n        type: ")
                        .append(type).append('\n');
            }
            int mine = exact / ENVIRONMENTS.size() + (e < exact % ENVIRONMENTS.size() ? 1 : 0);
            for (int i = 0; i < mine; i++) {
                String type = TYPES.get(i % TYPES.size());
                y.append("      - id: ").append(resourceId(type, env, i / TYPES.size() + 1)).append("\n        type: ")
                        .append(type).append('\n');
            }
        }
        return y.toString();
    }

    static String agents(int agents, List<ExtraAgent> extra) {
        StringBuilder y = new StringBuilder("agents:\n");
        for (ExtraAgent a : extra) y.append(a.yaml());
        for (int i = 1; i <= agents - extra.size(); i++) {
            y.append(String.format("  - id: agent-%03d%n", i));
            y.append("    owner: owner-").append(i % 10).append('\n');
            y.append("    auth: client_secret_basic\n");
            y.append("    environments:\n");
            for (String env : List.of("dev", "staging")) {
                y.append("      ").append(env).append(":\n");
                y.append("        scopes: [db:read, db:write, volume:read, volume:write, service:read, service:restart]\n");
                y.append("        default_scopes: [db:read, volume:read, service:read]\n");
                y.append("        grantable: [db:drop, volume:delete, service:delete]\n");
            }
            if (i % 3 != 0) {
                y.append("      production:\n");
                y.append("        scopes: [db:read, volume:read]\n");
                y.append("        grantable: [volume:delete, db:drop]\n");
            }
        }
        return y.toString();
    }

    static String grants() {
        return """
                defaults:
                  pending_lifetime: 15m
                  token_lifetime: 5m
                  uses: 1
                  poll_interval: 5s
                environments:
                  production:
                    approver_groups: [prod-ops]
                  staging:
                    approver_groups: [ops]
                  dev:
                    approver_groups: [ops]
                """;
    }

    static String provider(String upstream) {
        return """
                kind: rest
                upstream: %s
                credential:
                  env: BENCH_UPSTREAM_TOKEN
                inject:
                  header: Authorization
                  template: "Bearer {credential}"
                rules:
                  - method: GET
                    path: /v1/volumes/{id}
                    scope: volume:read
                    resources:
                      - from: path
                        name: id
                """.formatted(upstream);
    }

    /** The same upstream's MCP server (POST /mcp, {@code Upstream}) behind the gateway at /mcp/bench-mcp. */
    static String mcpProvider(String upstream) {
        return """
                kind: mcp
                upstream: %s/mcp
                credential:
                  env: BENCH_UPSTREAM_TOKEN
                inject:
                  header: Authorization
                  template: "Bearer {credential}"
                tools:
                  - tool: get_volume
                    scope: volume:read
                    resources:
                      - argument: /volumeId
                """.formatted(upstream);
    }
}
