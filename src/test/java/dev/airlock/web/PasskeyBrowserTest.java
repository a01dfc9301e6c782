package dev.airlock.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.ops.OpsAccount;
import dev.airlock.core.ops.Passkey;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestAirlock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.HasVirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

/**
 * Passkeys for approvers (issue 16), end to end: the real server, real headless Chromium with its virtual
 * authenticator (CTAP2, resident keys, user verification), real WebAuthn signatures checked by the server. Written as
 * the steps an approver takes, then the three attacks the issue names: an assertion made for another grant, a missing
 * user-verification flag, and a signature counter that went backwards.
 *
 * <p>The shipped example's commented {@code approval_factor} is uncommented here (production destructive grants need a
 * passkey), so the example is what is tested. Airlock is known as {@code http://localhost:<port>}: a WebAuthn relying
 * party id is a domain, never an IP address.
 */
class PasskeyBrowserTest {
    static final String POLICY_EXAMPLE = """
                # approval_factor:
                #   destructive: passkey
                #   other: any
            """;
    static final String POLICY_ACTIVE = """
                approval_factor:
                  destructive: passkey
                  other: any
            """;

    TestAirlock airlock;
    VirtualAuthenticator authenticator;

    @BeforeEach
    void start() throws Exception {
        OpsPageBrowserTest.requireBrowser();
        OpsPageBrowserTest.driver = OpsPageBrowserTest.chromium();
        OpsPageBrowserTest.wait = new WebDriverWait(OpsPageBrowserTest.driver, OpsPageBrowserTest.WAIT);
        OpsPageBrowserTest.driver.manage().timeouts().scriptTimeout(OpsPageBrowserTest.WAIT);
        // One approver suffices here, so that one passkey approval decides the grant.
        PolicyCopy policy = PolicyCopy.ofShipped().replace("grants.yaml", POLICY_EXAMPLE, POLICY_ACTIVE)
                .replace("grants.yaml", "destructive: 2   #", "destructive: 1   #");
        airlock = TestAirlock.startOnLocalhost(policy.dir);
        OpsPageBrowserTest.airlock = airlock;
        VirtualAuthenticatorOptions options = new VirtualAuthenticatorOptions()
                .setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2)
                .setTransport(VirtualAuthenticatorOptions.Transport.INTERNAL)
                .setHasResidentKey(true).setHasUserVerification(true).setIsUserVerified(true)
                .setIsUserConsenting(true);
        authenticator = ((HasVirtualAuthenticator) OpsPageBrowserTest.driver).addVirtualAuthenticator(options);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (OpsPageBrowserTest.driver != null) OpsPageBrowserTest.driver.quit();
        } finally {
            OpsPageBrowserTest.driver = null;
            if (airlock != null) airlock.close();
        }
    }

    @Test
    void approverEnrolsAPasskeyApprovesWithItAndEveryForgedOrWeakAssertionIsRefused() throws Exception {
        try {
            scenario();
        } catch (Throwable t) {
            throw OpsPageBrowserTest.withEvidence(t);
        }
    }

    void scenario() throws Exception {
        // 1. The agent files two production volume:delete grants.
        String secret = airlock.issueSecret("coding-agent");
        String a = OpsPageBrowserTest.fileGrant(secret, "vol-7f3a", "Corrupt replica of vol-7f3a; delete it so the"
                + " scheduler rebuilds it", "provider volumes delete vol-7f3a");
        String b = OpsPageBrowserTest.fileGrant(secret, "vol-9c1e", "Orphaned volume vol-9c1e costs money", null);
        TestAirlock.OpsUser carol = airlock.addOps("carol", "prod-ops");

        // 2. A one-time code is refused where the policy asks for a passkey, saying what to do instead.
        String bearer = airlock.opsSignIn(carol);
        TestAirlock.Reply totp = airlock.opsPost("/v1/grants/" + a + "/approve", bearer,
                Map.of("code", airlock.freshCode(carol)));
        assertEquals(403, totp.status(), totp.body());
        assertEquals("passkey_required", totp.json().path("code").asText(), totp.body());
        assertTrue(totp.json().path("detail").asText().contains("ops page"), totp.body());
        assertTrue(totp.json().path("detail").asText().contains("add one there under Passkeys"), totp.body());

        // 3. Carol signs in on the page and adds a passkey; the virtual authenticator verifies her (UV).
        OpsPageBrowserTest.driver.get(airlock.base + "/ops/");
        OpsPageBrowserTest.signIn(carol);
        OpsPageBrowserTest.driver.findElement(By.id("passkeys-link")).click();
        OpsPageBrowserTest.wait.until(ExpectedConditions.textToBe(By.id("passkeys-state"), "No passkeys yet."));
        OpsPageBrowserTest.type("passkey-label", "laptop");
        OpsPageBrowserTest.driver.findElement(By.id("passkey-add")).click();
        OpsPageBrowserTest.wait.until(ExpectedConditions.textToBe(By.id("passkey-add-result"), "Passkey \"laptop\" added."));
        OpsPageBrowserTest.wait.until(ExpectedConditions.textToBe(By.id("passkeys-state"), "1 passkey."));
        assertEquals(1, authenticator.getCredentials().size(), "the authenticator holds it");
        OpsAccount stored = airlock.airlock.store.opsAccount("carol").orElseThrow();
        assertEquals(1, stored.passkeys().size());
        assertEquals("laptop", stored.passkeys().get(0).label());
        assertTrue(stored.passkeys().get(0).uvInitialized());
        assertTrue(audit("passkey.enrolled").get(0).contains("\"credential\":\"" + stored.passkeys().get(0).id() + "\""));

        // 4. An assertion made for grant A, posted as an approval of grant B: refused, audited, B untouched.
        String crossGrant = assertion(a, b, "required");
        assertTrue(crossGrant.startsWith("403 "), crossGrant);
        assertTrue(crossGrant.contains("\"code\":\"challenge_mismatch\""), crossGrant);
        assertTrue(crossGrant.contains("not made for this grant"), crossGrant);
        assertEquals(0, OpsPageBrowserTest.agentView(secret, b).path("approvals").size());
        assertTrue(audit("passkey.refused").stream().anyMatch(l -> l.contains("challenge_mismatch")
                && l.contains("\"grant_id\":\"" + b + "\"")), String.join("\n", audit("passkey.refused")));

        // 4b. An assertion made in the browser's session for grant A, posted by the same person from another session
        //     (a copied request): the nonce was issued to the browser's session only.
        String captured = assertion(a, null, "required");
        TestAirlock.Reply otherSession = airlock.opsPost("/v1/grants/" + a + "/approve", bearer,
                TestAirlock.JSON.readValue(captured, Map.class));
        assertEquals(403, otherSession.status(), otherSession.body());
        assertEquals("challenge_mismatch", otherSession.json().path("code").asText(), otherSession.body());
        assertEquals("pending", OpsPageBrowserTest.agentView(secret, a).path("status").asText());

        // 5. An assertion without user verification (the authenticator was not unlocked): refused, audited.
        authenticator.setUserVerified(false);
        String noUv = assertion(a, a, "discouraged");
        authenticator.setUserVerified(true);
        assertTrue(noUv.startsWith("403 "), noUv);
        assertTrue(noUv.contains("\"code\":\"user_not_verified\""), noUv);
        assertEquals("pending", OpsPageBrowserTest.agentView(secret, a).path("status").asText());
        assertTrue(audit("passkey.refused").stream().anyMatch(l -> l.contains("user_not_verified")));

        // 6. The page shows what grant A needs, and approves it with the passkey: approved, and the token redeems.
        OpsPageBrowserTest.driver.get(airlock.base + "/ops/#/grants/" + a);
        OpsPageBrowserTest.wait.until(ExpectedConditions.textToBe(By.id("detail-id"), a));
        assertEquals("passkey", OpsPageBrowserTest.visible("detail-factor").getAttribute("data-factor"));
        assertFalse(OpsPageBrowserTest.driver.findElement(By.id("approve-code")).isDisplayed(), "no code field");
        OpsPageBrowserTest.driver.findElement(By.id("approve-passkey")).click();
        OpsPageBrowserTest.wait.until(ExpectedConditions.textToBe(By.id("detail-status"), "approved"));
        assertTrue(OpsPageBrowserTest.text("decision-result").contains("with your passkey"));
        assertTrue(audit("grant.approved").stream().anyMatch(l -> l.contains("\"factor\":\"passkey\"")
                && l.contains(a)), String.join("\n", audit("grant.approved")));
        assertTrue(audit("passkey.used").stream().anyMatch(l -> l.contains(a)));
        Map<String, String> poll = new LinkedHashMap<>();
        poll.put("grant_type", "urn:openid:params:grant-type:ciba");
        poll.put("auth_req_id", a);
        TestAirlock.Reply token = airlock.postForm("/oauth2/token", TestAirlock.basic("coding-agent", secret), poll);
        assertEquals(200, token.status(), token.body());
        assertFalse(token.json().path("access_token").asText().isEmpty(), token.body());

        // 7. A signature counter that went backwards (the store says the credential signed far more often than this
        //    authenticator reports: a clone): refused, audited, the credential removed from the account.
        OpsAccount before = airlock.airlock.store.opsAccount("carol").orElseThrow();
        List<Passkey> raised = new ArrayList<>();
        for (Passkey p : before.passkeys()) raised.add(p.withSignCount(1_000_000));
        assertTrue(airlock.airlock.store.saveOpsAccount(before.withPasskeys(raised, before.challenges())).get());
        OpsPageBrowserTest.driver.get(airlock.base + "/ops/#/grants/" + b);
        OpsPageBrowserTest.wait.until(ExpectedConditions.textToBe(By.id("detail-id"), b));
        OpsPageBrowserTest.driver.findElement(By.id("approve-passkey")).click();
        OpsPageBrowserTest.problemShown("approve-error", "counter_regressed");
        assertTrue(OpsPageBrowserTest.text("approve-error").contains("went backwards"));
        assertEquals("pending", OpsPageBrowserTest.agentView(secret, b).path("status").asText());
        List<String> regressed = audit("passkey.counter_regressed");
        assertEquals(1, regressed.size(), String.join("\n", regressed));
        assertTrue(regressed.get(0).contains("\"stored\":1000000"), regressed.get(0));
        assertTrue(airlock.airlock.store.opsAccount("carol").orElseThrow().passkeys().isEmpty(), "locked out: removed");
        OpsPageBrowserTest.assertCleanConsole();
    }

    /**
     * What a tampered page could do: ask for the challenge of grant {@code signFor}, have the authenticator sign it
     * (with this {@code userVerification}), and post the assertion as an approval of grant {@code postTo}, in the
     * signed-in page's session. Returns "status body"; with {@code postTo} null, the assertion's JSON body unsent.
     */
    String assertion(String signFor, String postTo, String userVerification) {
        Object r = ((JavascriptExecutor) OpsPageBrowserTest.driver).executeAsyncScript("""
                var done = arguments[arguments.length - 1];
                var signFor = arguments[0], postTo = arguments[1], uv = arguments[2];
                function b64(buf) {
                  var s = ''; var a = new Uint8Array(buf);
                  for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);
                  return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
                }
                function unb64(s) {
                  s = s.replace(/-/g, '+').replace(/_/g, '/'); while (s.length % 4) s += '=';
                  var bin = atob(s); var a = new Uint8Array(bin.length);
                  for (var i = 0; i < bin.length; i++) a[i] = bin.charCodeAt(i);
                  return a.buffer;
                }
                function post(path, body) {
                  return fetch(path, { method: 'POST', credentials: 'same-origin',
                    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
                }
                post('/v1/ops/passkeys/approval-options', { grant_id: signFor }).then(function (r) { return r.json(); })
                  .then(function (o) {
                    return navigator.credentials.get({ publicKey: { challenge: unb64(o.challenge), rpId: o.rp_id,
                      allowCredentials: o.allow.map(function (d) { return { type: 'public-key', id: unb64(d.id) }; }),
                      userVerification: uv } });
                  })
                  .then(function (c) {
                    var body = { credential_id: b64(c.rawId), client_data_json: b64(c.response.clientDataJSON),
                      authenticator_data: b64(c.response.authenticatorData), signature: b64(c.response.signature),
                      user_handle: c.response.userHandle ? b64(c.response.userHandle) : null };
                    if (postTo === null) { done(JSON.stringify(body)); return null; }
                    return post('/v1/grants/' + postTo + '/approve', body);
                  })
                  .then(function (r) { if (r) return r.text().then(function (t) { done(r.status + ' ' + t); }); })
                  .catch(function (e) { done('error ' + e); });
                """, signFor, postTo, userVerification);
        return String.valueOf(r);
    }

    List<String> audit(String type) throws Exception {
        return airlock.auditLines().stream().filter(l -> l.contains("\"type\":\"" + type + "\"")).toList();
    }
}
