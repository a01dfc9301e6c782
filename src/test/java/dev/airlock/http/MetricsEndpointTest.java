package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.Scrape;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} over real HTTP (issue 14): decisions counted from the audit stream, with bounded labels. */
class MetricsEndpointTest {
    TestAirlock airlock;
    String secret;

    @BeforeEach
    void start() throws Exception {
        airlock = TestAirlock.start();
        secret = airlock.issueSecret("coding-agent");
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    Scrape scrape() throws Exception {
        Reply r = airlock.get("/metrics");
        assertEquals(200, r.status(), r.body());
        return Scrape.of(r.body());
    }

    @Test
    void metricsWhenFetchedThenPrometheusTextFormatWithItsContentType() throws Exception {
        Reply r = airlock.get("/metrics");
        assertEquals(200, r.status());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.header("Content-Type"));
        assertTrue(r.body().contains("# TYPE airlock_tokens_minted_total counter")
                || r.body().contains("# TYPE jvm_memory_used_bytes gauge"), r.body());
    }

    @Test
    void metricsAfterAMintedTokenAndARefusedOneThenCountedByEnvironmentAndReason() throws Exception {
        Reply ok = airlock.token("coding-agent", secret, "staging", "volume:read");
        assertEquals(200, ok.status(), ok.body());
        Reply refused = airlock.token("coding-agent", secret, "production", "volume:delete");
        assertEquals(400, refused.status(), refused.body());
        Reply check = airlock.check(ok.json().get("access_token").asText(), "staging", "volume:read", "vol-7f3a");
        assertEquals(false, check.json().get("allowed").asBoolean(), check.body());

        Scrape s = scrape();
        assertEquals(1.0, s.valueOrZero("airlock_tokens_minted_total", "env", "staging"), s.text());
        assertEquals(0.0, s.valueOrZero("airlock_tokens_minted_total", "env", "production"), s.text());
        assertEquals(1.0, s.valueOrZero("airlock_tokens_refused_total", "env", "production", "reason", "invalid_scope"),
                s.text());
        assertEquals(1.0, s.valueOrZero("airlock_checks_total", "env", "staging", "outcome", "denied", "reason",
                "resource_in_other_environment"), s.text());
        assertEquals(1.0, s.valueOrZero("airlock_audit_events_total", "type", "token.minted"), s.text());
    }

    @Test
    void metricsLabelsNeverCarryAClientIdAResourceOrAnyValueACallerChose() throws Exception {
        String token = airlock.token("coding-agent", secret, "staging", "volume:read").json().get("access_token")
                .asText();
        // Names a caller chooses, in every field a label is taken from: a resource id and a client id as the
        // environment, a resource id as the provider, a client secret as the environment.
        assertEquals(400, airlock.token("coding-agent", secret, "vol-7f3a", "volume:read").status());
        assertEquals(400, airlock.token("coding-agent", secret, "coding-agent", "volume:read").status());
        assertEquals(400, airlock.token("coding-agent", secret, secret, "volume:read").status());
        airlock.check(token, "vol-9c1e", "volume:read", "vol-7f3a");
        airlock.send(airlock.request("/proxy/vol-7f3a/v1/volumes/vol-7f3a").header("Authorization", "Bearer " + token)
                .GET().build());

        Scrape s = scrape();
        String labels = s.allLabels();
        for (String leak : new String[] {"coding-agent", "vol-7f3a", "vol-9c1e", secret, "airlock_sk_", token,
                "127.0.0.1"}) {
            assertFalse(labels.contains(leak), leak + " in a label:\n" + labels);
        }
        assertEquals(3.0, s.valueOrZero("airlock_tokens_refused_total", "env", "other", "reason", "invalid_target"),
                s.text());
        assertEquals(1.0, s.valueOrZero("airlock_checks_total", "env", "other", "outcome", "denied", "reason",
                "unknown_environment"), s.text());
        assertEquals(1.0, s.valueOrZero("airlock_proxy_requests_total", "env", "other", "outcome", "refused",
                "provider", "other", "reason", "unknown_provider"), s.text());
    }

    @Test
    void metricsWhenAClientSendsAnInventedMethodThenItsLabelIsOther() throws Exception {
        airlock.send(airlock.request("/healthz").method("BREWCOFFEE", java.net.http.HttpRequest.BodyPublishers
                .noBody()).build());
        Scrape s = scrape();
        assertFalse(s.allLabels().contains("BREWCOFFEE"), s.allLabels());
        assertTrue(s.value("vertx_http_server_requests_total", "code", "405", "method", "other").isPresent(),
                s.text());
    }

    @Test
    void metricsGrantsGaugeFollowsAGrantThroughItsStates() throws Exception {
        String agent = TestAirlock.basic("coding-agent", secret);
        TestAirlock.OpsUser carol = airlock.addOps("carol", "ops");
        String session = airlock.opsSignIn(carol);
        Reply filed = airlock.agentPost("/v1/grants", agent, java.util.Map.of("environment", "staging",
                "scopes", java.util.List.of("volume:delete"), "resources", java.util.List.of("vol-7f3a-stg"),
                "reason", "the staging volume is corrupt after the failed migration test run",
                "command", "railway volume delete vol-7f3a-stg"));
        assertEquals(201, filed.status(), filed.body());
        String id = filed.json().get("auth_req_id").asText();
        assertGrants(1, 0, 0);

        Reply approved = airlock.opsPost("/v1/grants/" + id + "/approve", session,
                java.util.Map.of("code", airlock.freshCode(carol)));
        assertEquals(200, approved.status(), approved.body());
        assertGrants(0, 1, 0);

        airlock.clock.advance(java.time.Duration.ofSeconds(6)); // past the poll interval
        Reply redeemed = airlock.postForm("/oauth2/token", agent, java.util.Map.of("grant_type",
                "urn:openid:params:grant-type:ciba", "auth_req_id", id));
        assertEquals(200, redeemed.status(), redeemed.body());
        assertGrants(0, 0, 1);
        Scrape s = scrape();
        assertEquals(1.0, s.valueOrZero("airlock_grant_transitions_total", "env", "staging", "transition",
                "redeemed"), s.text());
    }

    private void assertGrants(int pending, int approved, int redeemed) throws Exception {
        Scrape s = scrape();
        assertEquals(pending, s.valueOrZero("airlock_grants", "status", "pending"), s.text());
        assertEquals(approved, s.valueOrZero("airlock_grants", "status", "approved"), s.text());
        assertEquals(redeemed, s.valueOrZero("airlock_grants", "status", "redeemed"), s.text());
    }

    @Test
    void metricsAndReadyzShowThePolicyHashComputedFromTheFiles() throws Exception {
        String expected = independentPolicyHash(TestAirlock.EXAMPLE_POLICY);
        Reply ready = airlock.get("/readyz");
        assertEquals(200, ready.status(), ready.body());
        assertEquals(expected, ready.json().get("policy_hash").asText(), ready.body());
        assertEquals(1.0, scrape().valueOrZero("airlock_policy_info", "hash", expected));
    }

    /**
     * What {@code sha256sum} prints for the policy's YAML files, hashed again: the recipe docs/operations.md gives,
     * computed here with the JDK alone.
     */
    static String independentPolicyHash(java.nio.file.Path dir) throws Exception {
        java.util.TreeMap<String, java.nio.file.Path> files = new java.util.TreeMap<>();
        for (String sub : new String[] {"", "providers/"}) {
            java.nio.file.Path d = dir.resolve(sub);
            if (!java.nio.file.Files.isDirectory(d)) continue;
            try (var list = java.nio.file.Files.newDirectoryStream(d, "*.{yaml,yml}")) {
                for (java.nio.file.Path p : list) files.put(sub + p.getFileName(), p);
            }
        }
        var manifest = new StringBuilder();
        for (var e : files.entrySet()) {
            manifest.append(sha256(java.nio.file.Files.readAllBytes(e.getValue()))).append("  ").append(e.getKey())
                    .append('\n');
        }
        return "sha256:" + sha256(manifest.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void metricsShowAuditAndStoreWriteLatencyAndThePropagationLag() throws Exception {
        airlock.token("coding-agent", secret, "staging", "volume:read");
        Scrape s = scrape();
        assertTrue(s.valueOrZero("airlock_audit_append_seconds_count", "outcome", "ok") >= 1, s.text());
        assertTrue(s.value("airlock_audit_append_seconds_bucket", "outcome", "ok", "le", "+Inf").isPresent(),
                s.text());
        assertEquals(1.0, s.valueOrZero("airlock_store_write_seconds_count", "op", "agent_secret", "outcome", "ok"),
                "issueSecret wrote one agent secret:\n" + s.text());
        assertTrue(s.value("airlock_store_propagation_lag_seconds").isPresent(), s.text());
        assertTrue(s.valueOrZero("vertx_http_server_requests_total", "code", "200", "method", "POST") >= 1, s.text());
        assertFalse(s.text().contains("vertx_http_server_active_requests"),
                "Vert.x 5.0.12 would show one event loop's active requests as all of them");
        assertFalse(s.text().contains("vertx_http_server_active_connections"), "and its connections likewise");
        assertTrue(s.valueOrZero("airlock_http_connections_open") >= 1, "the scrape's own connection:\n" + s.text());
        assertEquals(ConnectionLimits.defaults().maxConnections(), s.valueOrZero("airlock_http_connections_max"));
        assertEquals(0.0, s.valueOrZero("airlock_http_connections_refused_total"), s.text());
    }

    @Test
    void metricsWhenTurnedOffThenNotServedAndNothingMeasured() throws Exception {
        try (TestAirlock off = TestAirlock.start(TestAirlock.EXAMPLE_POLICY,
                java.nio.file.Files.createTempDirectory("airlock-test"), com.nimbusds.jose.JWSAlgorithm.EdDSA, null,
                dev.airlock.metrics.AirlockMetrics.off())) {
            assertEquals(404, off.get("/metrics").status());
            assertEquals(200, off.get("/readyz").status(), "the policy hash is still in readiness");
        }
    }

    @Test
    void metricsWhenTheJournalCannotBeReadThenStillServedAndThePropagationLagGrows() throws Exception {
        java.nio.file.Path journal = airlock.dataDir.resolve("state.journal");
        // As a newer CLI would write it: an op this version cannot apply, so memory stays behind the file.
        java.nio.file.Files.writeString(journal, "{\"op\":\"revoke_all\",\"agent\":\"coding-agent\"}\n",
                java.nio.file.StandardOpenOption.APPEND);
        airlock.airlock.store.refresh(); // what the server's poller does four times a second
        assertEquals(503, airlock.get("/readyz").status());
        airlock.clock.advance(java.time.Duration.ofSeconds(30));
        airlock.airlock.store.refresh();

        Scrape s = scrape(); // served while every deciding endpoint answers 503
        assertTrue(s.valueOrZero("airlock_store_propagation_lag_seconds") >= 30, s.text());
        Reply notReady = airlock.get("/readyz");
        assertEquals(503, notReady.status());
        assertEquals(independentPolicyHash(TestAirlock.EXAMPLE_POLICY), notReady.json().get("policy_hash").asText(),
                "replicas can be compared while not ready too: " + notReady.body());
    }
}
