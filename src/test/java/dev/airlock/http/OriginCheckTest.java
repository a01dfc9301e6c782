package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ops realm's Origin check over real HTTP, for Airlock reached directly and behind a proxy that ends TLS: there
 * the browser's Origin is the public https URL (the issuer) while the request arrives as plain HTTP with the internal
 * Host, and sign-in, sign-out, approve and deny must still work; any other origin is refused.
 */
class OriginCheckTest {
    static final String PUBLIC = "https://airlock.example.test";
    TestAirlock airlock;

    @AfterEach
    void stop() throws Exception {
        if (airlock != null) airlock.close();
    }

    private Reply signIn(OpsUser who, String origin) throws Exception {
        Map<String, Object> body = Map.of("name", who.name(), "passphrase", who.passphrase(), "code",
                airlock.freshCode(who));
        HttpRequest.Builder b = airlock.request("/v1/ops/session").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestAirlock.JSON.writeValueAsString(body)));
        if (origin != null) b.header("Origin", origin);
        return airlock.send(b.build());
    }

    @Test
    void behindATlsProxyTheIssuersOriginIsAirlocksOwnAndTheCookieIsSecure() throws Exception {
        airlock = TestAirlock.start(TestAirlock.EXAMPLE_POLICY, Files.createTempDirectory("airlock-origin"),
                JWSAlgorithm.EdDSA, PUBLIC);
        OpsUser carol = airlock.addOps("carol", "prod-ops");

        Reply ok = signIn(carol, PUBLIC);
        assertEquals(200, ok.status(), ok.body());
        String cookie = ok.header("Set-Cookie");
        assertTrue(cookie.toLowerCase(Locale.ROOT).contains("; secure"),
                "the public origin is https, so the cookie must not travel over plain http: " + cookie);
        assertEquals(200, signIn(carol, PUBLIC + ":443").status(), "the default port, spelled out, is the same origin");
        assertEquals(200, signIn(carol, "HTTPS://Airlock.Example.Test").status(), "scheme and host are case-insensitive");
        assertEquals(200, signIn(carol, airlock.base).status(), "reached directly, by the Host it was sent to");
        assertEquals(200, signIn(carol, null).status(), "no Origin: not a browser (the CLI uses a bearer anyway)");

        for (String foreign : new String[] {"http://airlock.example.test", "https://airlock.example.test:8443",
                "https://evil.example", "https://airlock.example.test.evil.example", "null", "not a url",
                "ftp://airlock.example.test"}) {
            Reply r = signIn(carol, foreign);
            assertEquals(403, r.status(), foreign + ": " + r.body());
            assertTrue(r.body().contains("cross_origin"), r.body());
        }

        // State-changing ops calls with the session cookie: the same rule.
        String fresh = signIn(carol, PUBLIC).header("Set-Cookie");
        String session = fresh.substring("airlock_ops=".length(), fresh.indexOf(';'));
        Reply foreignOut = airlock.send(airlock.request("/v1/ops/session").header("Cookie", "airlock_ops=" + session)
                .header("Origin", "https://evil.example").DELETE().build());
        assertEquals(403, foreignOut.status(), "a cross-site sign-out is refused: " + foreignOut.body());
        Reply signOut = airlock.send(airlock.request("/v1/ops/session").header("Cookie", "airlock_ops=" + session)
                .header("Origin", PUBLIC).DELETE().build());
        assertTrue(signOut.status() >= 200 && signOut.status() < 300, signOut.status() + " " + signOut.body());
        Reply after = airlock.send(airlock.request("/v1/ops/session").header("Cookie", "airlock_ops=" + session)
                .GET().build());
        assertEquals(401, after.status(), "signed out: " + after.body());
    }

    @Test
    void reachedDirectlyOverHttpTheCookieIsNotSecureAndOnlyTheTargetOriginPasses() throws Exception {
        airlock = TestAirlock.start();
        OpsUser carol = airlock.addOps("carol", "prod-ops");
        Reply ok = signIn(carol, airlock.base);
        assertEquals(200, ok.status(), ok.body());
        assertFalse(ok.header("Set-Cookie").toLowerCase(Locale.ROOT).contains("; secure"), ok.header("Set-Cookie"));
        assertEquals(403, signIn(carol, PUBLIC).status(), "not this instance's issuer, not its Host");
        String otherPort = airlock.base.substring(0, airlock.base.lastIndexOf(':') + 1) + TestAirlock.freePort();
        assertEquals(403, signIn(carol, otherPort).status(), "another port is another origin");
        assertEquals(403, signIn(carol, "http://localhost.evil.example").status());
    }
}
