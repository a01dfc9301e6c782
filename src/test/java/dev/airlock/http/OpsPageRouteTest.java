package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.Reply;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ops page's addresses, over real HTTP: the one the README prints and every webhook links to ({@code /ops/}), the
 * one people type ({@code /ops}), and the file itself. Redirects are followed by hand, at most
 * {@link #MAX_REDIRECTS}, so a loop is a failure that names the hops instead of a client that gives up silently.
 */
class OpsPageRouteTest {
    static final int MAX_REDIRECTS = 5;
    static TestAirlock airlock;

    @BeforeAll
    static void start() throws Exception {
        airlock = TestAirlock.start();
    }

    @AfterAll
    static void stop() throws Exception {
        airlock.close();
    }

    /** The hops taken from {@code path} to a non-redirect answer, and that answer. */
    record Walk(List<String> hops, Reply last) {}

    static Walk follow(String path) throws Exception {
        List<String> hops = new ArrayList<>();
        String at = path;
        for (int i = 0; i <= MAX_REDIRECTS; i++) {
            hops.add(at);
            Reply r = airlock.get(at);
            if (r.status() < 300 || r.status() >= 400) return new Walk(hops, r);
            String location = r.header("Location");
            assertNotNull(location, "a " + r.status() + " without Location at " + at);
            at = URI.create(airlock.base + at).resolve(location).getRawPath();
        }
        fail("redirect loop: " + hops);
        return null;
    }

    static void assertOpsPage(Walk w) {
        assertEquals(200, w.last().status(), "hops " + w.hops() + ": " + w.last().body());
        assertTrue(w.last().header("Content-Type").startsWith("text/html"), w.last().header("Content-Type"));
        assertTrue(w.last().body().contains("<title>Airlock ops</title>"), w.last().body());
        assertEquals(OpsPage.CSP, w.last().header("Content-Security-Policy"));
    }

    @Test
    void opsWithTrailingSlashServesThePageWithoutAnyRedirect() throws Exception {
        Walk w = follow("/ops/");
        assertOpsPage(w);
        assertEquals(List.of("/ops/"), w.hops(), "the README's and the webhooks' URL answers at once");
    }

    @Test
    void opsWithoutTrailingSlashRedirectsOnceToTheSlashThenServesThePage() throws Exception {
        Reply first = airlock.get("/ops");
        assertEquals(308, first.status());
        assertEquals("/ops/", first.header("Location"));
        Walk w = follow("/ops");
        assertOpsPage(w);
        assertEquals(List.of("/ops", "/ops/"), w.hops());
    }

    @Test
    void opsIndexHtmlKeepsServingThePage() throws Exception {
        Walk w = follow("/ops/index.html");
        assertOpsPage(w);
        assertEquals(List.of("/ops/index.html"), w.hops());
    }

    @Test
    void opsScriptAndStyleAreServedAndNothingElseUnderOps() throws Exception {
        assertTrue(airlock.get("/ops/ops.js").header("Content-Type").startsWith("text/javascript"));
        assertTrue(airlock.get("/ops/ops.css").header("Content-Type").startsWith("text/css"));
        for (String path : List.of("/ops/nothing.html", "/ops/ops", "/ops//", "/opsx", "/ops/../v1/check")) {
            int status = airlock.get(path).status();
            assertTrue(status == 404 || status == 405, path + " answered " + status);
        }
    }
}
