package dev.airlock.policy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.AgentGrants;
import dev.airlock.core.policy.AuthMethod;
import dev.airlock.core.policy.Environment;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.ResourcePattern;
import dev.airlock.core.proxy.GraphQlMapper;
import dev.airlock.core.proxy.GraphQlRule;
import dev.airlock.core.proxy.Provider;
import dev.airlock.core.proxy.RestMapper;
import dev.airlock.core.proxy.RestRule;
import dev.airlock.testing.PolicyProxyFixture;
import dev.airlock.testing.ProxyFixture;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.UpstreamRecorder;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Proves a policy that lint accepted harmless the hard way: a real Airlock on it, providers pointed at a recording
 * upstream, every agent's automatic token in every environment, and every destructive operation of every provider
 * (each rule destructive by its shape or by its scope, and a DELETE on every REST template) tried through the proxy
 * against every resource of production and staging, and an id nobody owns. Nothing of it may reach the upstream.
 * A positive control first shows that this Airlock does forward what it should, so an empty upstream means refusals.
 */
final class HarmlessnessProbe {
    /** One request through the proxy. {@code body} null means none. */
    record Attempt(String method, String path, String contentType, String body) {
        @Override
        public String toString() {
            return method + " " + path + (body == null ? "" : " " + body);
        }
    }

    /** An agent's automatic token for one environment. */
    record Token(String agent, String environment, String value) {}

    private HarmlessnessProbe() {}

    /** @return how many destructive requests were tried (all refused) */
    static int assertHarmless(Path policyDir) throws Exception {
        try (PolicyProxyFixture f = PolicyProxyFixture.start(policyDir)) {
            Policy policy = f.airlock.airlock.domain().policy;
            List<Token> tokens = automaticTokens(f.airlock, policy);
            positiveControl(f, tokens);

            List<String> ids = new ArrayList<>();
            for (String env : List.of("production", "staging")) {
                for (ResourcePattern p : policy.environment(env).orElseThrow().resources()) {
                    ids.add(p.pattern().replace("*", "x"));
                }
            }
            ids.add("vol-owned-by-nobody");
            List<Attempt> attempts = new ArrayList<>();
            for (Provider p : f.airlock.airlock.domain().providers.all()) attempts.addAll(destructive(p, policy, ids));

            int tried = 0;
            for (Token t : tokens) {
                for (Attempt a : attempts) {
                    TestAirlock.Reply r = send(f.airlock, t.value(), a);
                    tried++;
                    if (!f.upstream.received().isEmpty()) {
                        throw new AssertionError(t.agent() + "'s automatic " + t.environment() + " token got " + a
                                + " through to the upstream (" + r.status() + " " + r.body() + "): "
                                + describe(f.upstream.received()));
                    }
                }
            }
            return tried;
        }
    }

    /** Every agent, every environment it may get tokens in, all of its automatic scopes at once. */
    static List<Token> automaticTokens(TestAirlock airlock, Policy policy) throws Exception {
        List<Token> out = new ArrayList<>();
        for (Agent agent : policy.agents()) {
            String secret = agent.auth() == AuthMethod.CLIENT_SECRET_BASIC ? airlock.issueSecret(agent.id()) : null;
            for (Environment env : policy.environments()) {
                AgentGrants grants = agent.environments().get(env.name());
                if (grants == null || grants.scopes().isEmpty()) continue;
                String scope = String.join(" ", new TreeSet<>(grants.scopes()));
                TestAirlock.Reply r = secret != null ? airlock.token(agent.id(), secret, env.name(), scope)
                        : withAssertion(airlock, agent, env.name(), scope);
                assertEquals(200, r.status(), agent.id() + " in " + env.name() + ": " + r.body());
                out.add(new Token(agent.id(), env.name(), r.json().get("access_token").asText()));
            }
        }
        return out;
    }

    private static TestAirlock.Reply withAssertion(TestAirlock airlock, Agent agent, String env, String scope)
            throws Exception {
        if (!agent.id().equals("deploy-bot")) throw new IllegalStateException("no test key for " + agent.id());
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "client_credentials");
        p.put("environment", env);
        p.put("scope", scope);
        p.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        p.put("client_assertion", airlock.deployBotAssertion());
        return airlock.postForm("/oauth2/token", null, p);
    }

    /** A staging read that must be forwarded: the proxy of this Airlock works, so what it refuses it refused. */
    private static void positiveControl(PolicyProxyFixture f, List<Token> tokens) throws Exception {
        Token staging = tokens.stream().filter(t -> t.agent().equals("coding-agent") && t.environment().equals("staging"))
                .findFirst().orElseThrow();
        TestAirlock.Reply r = send(f.airlock, staging.value(),
                new Attempt("GET", "/proxy/generic-rest/v1/volumes/vol-7f3a-stg", null, null));
        assertEquals(200, r.status(), r.body());
        UpstreamRecorder.Received got = f.upstream.only();
        assertEquals("Bearer " + ProxyFixture.CREDENTIAL, got.header("authorization").get(0));
        f.upstream.clear();
    }

    /** The provider's destructive operations, each against every id. */
    static List<Attempt> destructive(Provider provider, Policy policy, List<String> ids) throws Exception {
        List<Attempt> out = new ArrayList<>();
        String base = "/proxy/" + provider.name();
        if (provider.mapper() instanceof RestMapper rest) {
            for (RestRule rule : rest.rules()) {
                boolean destructive = rule.shape().destructive() || policy.scope(rule.scope()).orElseThrow().destructive();
                for (String id : ids) {
                    if (destructive) out.add(rest(base, rule.method(), rule, id));
                    if (!rule.method().equals("DELETE")) out.add(rest(base, "DELETE", rule, id));
                }
            }
        } else if (provider.mapper() instanceof dev.airlock.core.proxy.McpMapper) {
            // An MCP provider is reached at /mcp/<name> with a token bound to that gateway, and its calls need an MCP
            // upstream that lists its tools (the gateway fails closed without the list), which this probe's REST
            // recorder is not. The suite mutates REST and GraphQL files only; the gateway's refusal of destructive
            // tools to automatic tokens is proven against a real MCP upstream by McpRefusalTest and McpIncidentTest.
            return out;
        } else {
            GraphQlMapper graphql = (GraphQlMapper) provider.mapper();
            for (GraphQlRule rule : graphql.rules()) {
                if (!rule.shape().destructive() && !policy.scope(rule.scope()).orElseThrow().destructive()) continue;
                for (String id : ids) {
                    String document = rule.operation().keyword() + " { " + rule.field() + arguments(rule, id) + " }";
                    out.add(new Attempt("POST", base + graphql.endpoint(), "application/json",
                            TestAirlock.JSON.writeValueAsString(Map.of("query", document))));
                }
            }
        }
        return out;
    }

    private static Attempt rest(String base, String method, RestRule rule, String id) {
        String path = rule.path().toString();
        for (String param : rule.path().params()) path = path.replace("{" + param + "}", id);
        StringBuilder query = new StringBuilder();
        ObjectNode body = null;
        for (RestRule.Resource r : rule.resources()) {
            if (r instanceof RestRule.FromQuery q) {
                query.append(query.length() == 0 ? "?" : "&").append(q.name()).append('=')
                        .append(URLEncoder.encode(id, UTF_8));
            } else if (r instanceof RestRule.FromBody b) {
                if (body == null) body = TestAirlock.JSON.createObjectNode();
                ObjectNode at = body;
                String[] steps = b.pointer().toString().substring(1).split("/");
                for (int i = 0; i < steps.length - 1; i++) {
                    at = at.has(steps[i]) ? (ObjectNode) at.get(steps[i]) : at.putObject(steps[i]);
                }
                at.put(steps[steps.length - 1], id);
            }
        }
        return new Attempt(method, base + path + query, body == null ? null : "application/json",
                body == null ? null : body.toString());
    }

    /** {@code (volumeId: "id")} or {@code (input: {serviceId: "id"})}; empty without resources. */
    private static String arguments(GraphQlRule rule, String id) {
        Map<String, Object> tree = new LinkedHashMap<>();
        for (GraphQlRule.ArgPath arg : rule.resources()) {
            Map<String, Object> at = tree;
            List<String> steps = arg.steps();
            for (int i = 0; i < steps.size() - 1; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> next = (Map<String, Object>) at.computeIfAbsent(steps.get(i), k -> new LinkedHashMap<>());
                at = next;
            }
            at.put(steps.get(steps.size() - 1), id);
        }
        return tree.isEmpty() ? "" : "(" + render(tree) + ")";
    }

    private static String render(Map<String, Object> tree) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            @SuppressWarnings("unchecked")
            String value = e.getValue() instanceof Map<?, ?> m ? "{" + render((Map<String, Object>) m) + "}"
                    : "\"" + e.getValue() + "\"";
            parts.add(e.getKey() + ": " + value);
        }
        return String.join(", ", parts);
    }

    private static TestAirlock.Reply send(TestAirlock airlock, String token, Attempt a) throws Exception {
        HttpRequest.Builder b = airlock.request(a.path()).header("Authorization", "Bearer " + token)
                .method(a.method(), a.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(a.body()));
        if (a.contentType() != null) b.header("Content-Type", a.contentType());
        return airlock.send(b.build());
    }

    private static String describe(List<UpstreamRecorder.Received> received) {
        List<String> out = new ArrayList<>();
        for (UpstreamRecorder.Received r : received) out.add(r.method() + " " + r.target() + " " + r.bodyText());
        return out.toString();
    }
}
