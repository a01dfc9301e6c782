package dev.airlock.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.PolicyCopy;
import dev.airlock.testing.TestTotp;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The ops page at {@code /ops/}, end to end: the real server, a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}), real HTTP, real cookies, the real CSP. Written as the steps an on-call person takes.
 *
 * <p>Without Chromium this test is skipped with a banner on the console, except under {@code CI=true}, where a missing
 * browser fails the run: {@code .ci/run} installs it, so its absence there is a broken build, not a reason to skip.
 */
class OpsPageBrowserTest {
    /** Debian's paths; -Dairlock.chromium / -Dairlock.chromedriver point elsewhere (or at nothing, to see the skip). */
    static final Path CHROMIUM = Path.of(System.getProperty("airlock.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("airlock.chromedriver", "/usr/bin/chromedriver"));
    static final Duration WAIT = Duration.ofSeconds(15);
    /** Agents write reasons; an approver's browser must show this as text and never as markup. */
    static final String HOSTILE = "<img src=x onerror=alert(1)>";

    static TestAirlock airlock;
    static WebDriver driver;
    static WebDriverWait wait;

    /**
     * Per test, not per class: an assumption failing here reports the test as skipped, not as "0 tests run". Each test
     * starts its own Airlock (with the policy it needs).
     */
    @BeforeEach
    void start() throws Exception {
        requireBrowser();
        airlock = null;
        driver = chromium();
        wait = new WebDriverWait(driver, WAIT);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (driver != null) driver.quit();
        } finally {
            if (airlock != null) airlock.close();
            for (HttpServer r : receivers) r.stop(0);
            receivers.clear();
        }
    }

    @Test
    void approversDecideOnAGrantInTheBrowser() throws Exception {
        try {
            airlock = TestAirlock.start();
            scenario();
        } catch (Throwable t) {
            throw withEvidence(t);
        }
    }

    @Test
    void theWebhooksLinkOpensTheGrantAndTheWarningFollowsTheRiskNotTheEnvironment() throws Exception {
        try {
            riskScenario();
        } catch (Throwable t) {
            throw withEvidence(t);
        }
    }

    void scenario() throws Exception {
        // 1. The agent asks for production volume:delete at the token endpoint and is refused: a recent refusal.
        String secret = airlock.issueSecret("coding-agent");
        TestAirlock.Reply refused = airlock.token("coding-agent", secret, "production", "volume:delete");
        assertEquals(400, refused.status(), refused.body());
        assertEquals("invalid_scope", refused.json().path("error").asText(), refused.body());

        // 2. It files a grant for vol-7f3a, saying why and what it will run; and a second one with a hostile reason.
        String reason = "Volume vol-7f3a holds a corrupt replica; delete it so the scheduler rebuilds it from snapshot";
        String command = "provider volumes delete vol-7f3a \\\n    --yes --keep-snapshots";
        String first = fileGrant(secret, "vol-7f3a", reason, command);
        String hostileReason = "Orphaned volume vol-9c1e costs money every day " + HOSTILE + " and nothing mounts it";
        String second = fileGrant(secret, "vol-9c1e", hostileReason, null);

        // 3. Two approvers in prod-ops (the agent's owner, alice, is neither).
        TestAirlock.OpsUser carol = airlock.addOps("carol", "prod-ops");
        TestAirlock.OpsUser dave = airlock.addOps("dave", "prod-ops");

        // 4. Carol opens the page at the address the README prints: not signed in, so the sign-in form. She signs in.
        driver.get(readmeOpsUrl());
        visible("signin-form");
        signIn(carol);
        wait.until(ExpectedConditions.textToBe(By.id("whoami-name"), "carol"));

        // 5. The pending list: both grants, production marked, 0/2 approvals, the hostile reason as plain text.
        WebElement row = row(first);
        assertEquals("production", row.findElement(By.cssSelector("[data-testid=grant-environment]")).getText());
        assertTrue(row.findElement(By.cssSelector("[data-testid=grant-environment]")).getAttribute("class")
                .contains("env-production"), "production is visibly distinct");
        assertEquals("coding-agent", row.findElement(By.cssSelector("[data-testid=grant-agent]")).getText());
        WebElement scopeCell = row.findElement(By.cssSelector("[data-testid=grant-scopes]"));
        assertEquals("volume:delete", scopeCell.findElement(By.cssSelector("[data-testid=scope-name]")).getText());
        assertEquals("destructive", scopeCell.findElement(By.cssSelector("[data-testid=scope-risk]")).getText());
        assertEquals("vol-7f3a", row.findElement(By.cssSelector("[data-testid=grant-resources]")).getText());
        assertEquals("0/2", row.findElement(By.cssSelector("[data-testid=grant-approvals]")).getText());
        assertTrue(row.findElement(By.cssSelector("[data-testid=grant-time-left]")).getText().endsWith("left"));
        screenshot("list-pending");
        WebElement hostileRow = row(second);
        assertEquals(hostileReason, hostileRow.findElement(By.cssSelector("[data-testid=grant-reason]")).getText());
        assertNoInjectedMarkup();

        // 6. The detail view: everything needed to decide, and what the agent was refused just before it asked.
        row.findElement(By.cssSelector("[data-testid=grant-open]")).click();
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), first));
        assertEquals("production", text("detail-environment"));
        assertTrue(driver.findElement(By.id("detail-risk-warning")).isDisplayed(), "volume:delete cannot be undone");
        assertEquals("Destructive: this action cannot be undone.", text("detail-risk-warning"));
        assertFalse(driver.findElement(By.cssSelector("#detail-banner .env-label")).getCssValue("color")
                .startsWith("rgba(255, 255, 255"), "the banner's label stays readable on its light red");
        assertEquals("pending", text("detail-status"));
        assertEquals("coding-agent", text("detail-agent"));
        assertEquals(List.of("volume:delete destructive"), scopesShown());
        assertTrue(text("detail-scopes").contains("Delete a volume and its data."), "scopes.yaml's description");
        assertEquals(List.of("vol-7f3a"), items("detail-resources"));
        assertEquals("1 use of volume:delete on vol-7f3a, by a token that lives 5 min once collected",
                text("detail-effect"));
        assertDecisionBesideTheFacts();
        assertEquals(reason, text("detail-reason"));
        assertEquals(command, driver.findElement(By.id("detail-command")).getAttribute("textContent"));
        assertEquals("pre", driver.findElement(By.id("detail-command")).getTagName());
        assertEquals("0/2", text("detail-approvals-count"));
        List<WebElement> refusals = driver.findElements(By.cssSelector("#detail-refusals [data-testid=refusal]"));
        assertEquals(1, refusals.size(), "the token endpoint's refusal is shown");
        assertEquals("invalid_scope", refusals.get(0).findElement(By.cssSelector("[data-field=code]")).getText());
        assertEquals("volume:delete", refusals.get(0).findElement(By.cssSelector("[data-field=what]")).getText());
        assertEquals("production", refusals.get(0).findElement(By.cssSelector("[data-field=env]")).getText());
        assertTrue(refusals.get(0).getSize().getHeight() < 40, "one line per refusal: " + refusals.get(0).getSize());
        screenshot("detail-production-destructive");

        // 7. A wrong code: refused, said so next to the button, and nothing counted.
        approveWith(TestTotp.wrongCode(carol.totpSecret(), airlock.clock.instant()));
        problemShown("approve-error", "code_invalid");
        assertEquals("0/2", text("detail-approvals-count"));

        // 8. The right code: one approval of two, still pending, her name and time listed.
        approveWith(airlock.freshCode(carol));
        wait.until(ExpectedConditions.textToBe(By.id("detail-approvals-count"), "1/2"));
        assertEquals("pending", text("detail-status"));
        assertTrue(text("decision-result").contains("Still pending"), text("decision-result"));
        List<WebElement> approvals = driver.findElements(By.cssSelector("#detail-approvals [data-testid=approval]"));
        assertEquals(1, approvals.size());
        assertTrue(approvals.get(0).getText().startsWith("carol at "), approvals.get(0).getText());
        assertFalse(driver.findElement(By.id("approve-error")).isDisplayed(), "the earlier error is cleared");

        // 9. One person counts once: the approve form gives way to saying so, before any code; denying stays open.
        assertTrue(text("decision-you").contains("you already approved this grant"), text("decision-you"));
        assertTrue(text("decision-you").endsWith("You may still deny it."), text("decision-you"));
        assertFalse(driver.findElement(By.id("approve-code")).isDisplayed(), "no code field for a second approval");
        assertTrue(driver.findElement(By.id("deny-form")).isDisplayed());
        assertEquals("1/2", text("detail-approvals-count"));

        // 10. The hostile reason in the detail view: text, not markup; no script ran.
        driver.get(airlock.base + "/ops/index.html#/grants/" + second);
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), second));
        assertEquals(hostileReason, text("detail-reason"));
        assertEquals("(none given)", text("detail-command"));
        assertNoInjectedMarkup();

        // 11. Carol signs out; reloading shows the sign-in form, so the session is gone on the server too.
        driver.findElement(By.id("signout-button")).click();
        visible("signin-form");
        wait.until(ExpectedConditions.textToBe(By.id("signin-message"), "Signed out."));
        driver.navigate().refresh();
        visible("signin-form");

        // 12. Dave signs in; the page returns to the grant in the address bar. He denies it, with a reason.
        signIn(dave);
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), second));
        driver.findElement(By.id("deny-submit")).click();
        problemShown("deny-error", null);
        assertEquals("pending", text("detail-status"), "an empty reason is not sent");
        driver.findElement(By.id("deny-reason")).sendKeys("Not while the backup audit is open; ask again next week");
        driver.findElement(By.id("deny-submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("detail-status"), "denied"));
        assertEquals("Not while the backup audit is open; ask again next week", text("detail-deny-reason"));
        assertFalse(driver.findElement(By.id("decision")).isDisplayed(), "a decided grant offers no decision");

        // 13. He approves the first grant: the second distinct approver, so it is approved.
        driver.findElement(By.id("detail-back")).click();
        row(first).findElement(By.cssSelector("[data-testid=grant-open]")).click();
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), first));
        approveWith(airlock.freshCode(dave));
        wait.until(ExpectedConditions.textToBe(By.id("detail-status"), "approved"));
        assertEquals("2/2", text("detail-approvals-count"));
        assertEquals(2, driver.findElements(By.cssSelector("#detail-approvals [data-testid=approval]")).size());

        // 14. The server agrees, as the agent sees it.
        assertEquals("approved", agentView(secret, first).path("status").asText());
        assertEquals("denied", agentView(secret, second).path("status").asText());

        // 15. The other statuses are one choice away.
        driver.findElement(By.id("detail-back")).click();
        listStatus("approved");
        row(first);
        listStatus("denied");
        row(second);
        listStatus("pending");
        wait.until(ExpectedConditions.textToBe(By.id("list-state"), "No pending grants."));

        // 16. A session that ends on the server (cookie gone): the next request returns to sign-in, saying why.
        driver.manage().deleteCookieNamed("airlock_ops");
        driver.findElement(By.id("list-refresh")).click();
        visible("signin-form");
        wait.until(ExpectedConditions.textMatches(By.id("signin-message"), java.util.regex.Pattern.compile("session has ended")));

        // 17. Someone guessing passphrases: each refusal is shown, then the lock, with how long to wait.
        TestAirlock.OpsUser erin = airlock.addOps("erin", "prod-ops");
        String lastTitle = "";
        for (int attempt = 1; attempt <= 10 && !lastTitle.contains("(429)"); attempt++) {
            List<WebElement> before = driver.findElements(By.cssSelector("#signin-error [data-testid=problem-title]"));
            type("signin-name", erin.name());
            type("signin-passphrase", "not-" + erin.passphrase());
            type("signin-code", "000000");
            driver.findElement(By.id("signin-submit")).click();
            if (!before.isEmpty()) wait.until(ExpectedConditions.stalenessOf(before.get(0)));
            lastTitle = wait.until(ExpectedConditions.visibilityOfElementLocated(
                    By.cssSelector("#signin-error [data-testid=problem-title]"))).getText();
            assertTrue(lastTitle.contains("(401)") || lastTitle.contains("(429)"), lastTitle);
        }
        problemShown("signin-error", "locked");
        assertTrue(text("signin-error").matches("(?s).*Try again in \\d+ s\\..*"), text("signin-error"));
        assertFalse(driver.findElement(By.id("whoami")).isDisplayed());

        // 18. Under the page's CSP nothing was refused and no script failed.
        assertCleanConsole();
    }

    void riskScenario() throws Exception {
        // 1. The example policy, plus variable:write (risk write, grant_required) for coding-agent in production, and
        //    a webhook announcing each grant created to a real receiver on loopback.
        BlockingQueue<JsonNode> heard = new LinkedBlockingQueue<>();
        PolicyCopy policy = PolicyCopy.withProductionVariableWrite()
                .append("grants.yaml", "\nwebhooks:\n  - url: " + webhookReceiver(heard) + "\n    events: [created]\n");
        airlock = TestAirlock.start(policy.dir, Files.createTempDirectory("airlock-ops-browser"), JWSAlgorithm.EdDSA);
        String secret = airlock.issueSecret("coding-agent");
        TestAirlock.OpsUser erin = airlock.addOps("erin", "ops");
        TestAirlock.OpsUser frank = airlock.addOps("frank", "prod-ops");
        TestAirlock.OpsUser alice = airlock.addOps("alice", "prod-ops"); // coding-agent's owner in agents.yaml

        // 2. Two grants: a destructive one in staging, a grant_required-only one in production. The links as delivered.
        String staging = fileGrant(secret, "staging", "volume:delete", "vol-7f3a-stg",
                "the staging restore left vol-7f3a-stg half written and nothing mounts it any more",
                "railway volume delete vol-7f3a-stg");
        String stagingLink = webhookLink(heard, staging);
        String production = fileGrant(secret, "production", "variable:write", "var-api-prod",
                "rotate the API's database password after the leak reported in ticket 4411",
                "railway variables set DATABASE_PASSWORD --from-file new-password.txt");
        String productionLink = webhookLink(heard, production);
        // Seven refusals since: the page shows the newest few, one line each, and says how many it left out.
        for (int i = 0; i < 7; i++) {
            TestAirlock.Reply refused = airlock.token("coding-agent", secret, "production", "db:drop");
            assertEquals(400, refused.status(), refused.body());
        }
        assertEquals(airlock.base + "/ops/#/grants/" + production, productionLink);

        // 3. Erin, a staging approver, follows the staging link: signs in and lands on that grant. Staging, and still
        //    "cannot be undone": the warning follows the risk.
        driver.get(stagingLink);
        signIn(erin);
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), staging));
        assertEquals("staging", text("detail-environment"));
        assertTrue(driver.findElement(By.id("detail-risk-warning")).isDisplayed(), "destructive in staging: warned");
        assertEquals(List.of("volume:delete destructive"), scopesShown());
        assertTrue(driver.findElement(By.id("approve-code")).isDisplayed(), "erin may approve");
        assertFalse(driver.findElement(By.id("decision-you")).isDisplayed());
        screenshot("detail-staging-destructive");
        driver.findElement(By.id("signout-button")).click();
        visible("signin-form");

        // 4. Frank, a production approver, follows the production link: production, risk write, grant required by
        //    policy, and no "cannot be undone".
        driver.get(productionLink);
        signIn(frank);
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), production));
        assertEquals("production", text("detail-environment"));
        assertEquals(List.of("variable:write write"), scopesShown());
        assertEquals("grant required by policy",
                driver.findElement(By.cssSelector("#detail-scopes [data-testid=scope-grant-required]")).getText());
        assertFalse(driver.findElement(By.id("detail-risk-warning")).isDisplayed(),
                "production alone is no reason to say 'cannot be undone'");
        assertEquals("1 use of variable:write on var-api-prod, by a token that lives 5 min once collected",
                text("detail-effect"));
        assertTrue(driver.findElement(By.id("approve-code")).isDisplayed(), "frank may approve");
        List<WebElement> refusals = driver.findElements(By.cssSelector("#detail-refusals [data-testid=refusal]"));
        assertEquals(5, refusals.size(), "the newest five refusals");
        for (WebElement r : refusals) {
            assertEquals("db:drop", r.findElement(By.cssSelector("[data-field=what]")).getText());
            assertTrue(r.getSize().getHeight() < 40, "one line per refusal: " + r.getSize());
        }
        assertTrue(text("detail-refusals-more").startsWith("2 earlier not shown"), text("detail-refusals-more"));
        screenshot("detail-production-write");
        driver.findElement(By.id("signout-button")).click();
        visible("signin-form");

        // 5. Alice owns coding-agent: she is told so where the code field would be, and is offered neither form.
        driver.navigate().refresh();
        signIn(alice);
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), production));
        String you = text("decision-you");
        assertTrue(you.startsWith("You may not approve or deny this grant: alice owns the requesting agent coding-agent"),
                you);
        assertFalse(driver.findElement(By.id("approve-code")).isDisplayed(), "no code field for the owner");
        assertFalse(driver.findElement(By.id("deny-form")).isDisplayed());
        screenshot("detail-owner");
        assertCleanConsole();
    }

    // ---- the agent's side, over HTTP ------------------------------------------------------------------------------

    static String fileGrant(String secret, String resource, String reason, String command) throws Exception {
        return fileGrant(secret, "production", "volume:delete", resource, reason, command);
    }

    static String fileGrant(String secret, String environment, String scope, String resource, String reason,
                            String command) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("environment", environment);
        body.put("scopes", List.of(scope));
        body.put("resources", List.of(resource));
        body.put("reason", reason);
        if (command != null) body.put("command", command);
        TestAirlock.Reply r = airlock.agentPost("/v1/grants", TestAirlock.basic("coding-agent", secret), body);
        assertTrue(r.status() == 200 || r.status() == 201, r.body());
        String id = r.json().path("auth_req_id").asText();
        assertFalse(id.isEmpty(), r.body());
        return id;
    }

    static JsonNode agentView(String secret, String id) throws Exception {
        TestAirlock.Reply r = airlock.agentGet("/v1/grants/" + id, TestAirlock.basic("coding-agent", secret));
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    /** The ops page's address as README.md prints it (exactly one), on this test's port. */
    static String readmeOpsUrl() throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)(/ops[^\\s>)`]*)")
                .matcher(Files.readString(Path.of("README.md")));
        java.util.Set<String> paths = new java.util.TreeSet<>();
        while (m.find()) paths.add(m.group(2));
        assertEquals(1, paths.size(), "README.md should name one ops page address: " + paths);
        String path = paths.iterator().next();
        assertEquals("/ops/", path, "the address the README prints");
        return airlock.base + path;
    }

    // ---- a webhook receiver ---------------------------------------------------------------------------------------

    static final List<HttpServer> receivers = new ArrayList<>();

    /** A real HTTP receiver on loopback that keeps each delivery's JSON body. */
    static String webhookReceiver(BlockingQueue<JsonNode> heard) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/hook", exchange -> {
            heard.add(TestAirlock.JSON.readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        s.start();
        receivers.add(s);
        return "http://127.0.0.1:" + s.getAddress().getPort() + "/hook";
    }

    /** The link the webhook carried for the creation of {@code grantId}. */
    static String webhookLink(BlockingQueue<JsonNode> heard, String grantId) throws Exception {
        for (int i = 0; i < 20; i++) {
            JsonNode body = heard.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(body, "no webhook delivery for " + grantId);
            JsonNode a = body.path("airlock");
            if (a.path("event").asText().equals("created") && a.path("grant_id").asText().equals(grantId)) {
                String link = a.path("link").asText();
                assertTrue(body.path("text").asText().contains(link), "the chat text carries the same link: " + body);
                return link;
            }
        }
        throw new AssertionError("no 'created' delivery for " + grantId);
    }

    // ---- the approver's side, in the browser ----------------------------------------------------------------------

    static void signIn(TestAirlock.OpsUser who) {
        visible("signin-form");
        type("signin-name", who.name());
        type("signin-passphrase", who.passphrase());
        // A new 30-s step for every code: Airlock accepts a step's code once per account (RFC 6238 §5.2).
        type("signin-code", airlock.freshCode(who));
        driver.findElement(By.id("signin-submit")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("whoami")));
    }

    static void approveWith(String code) {
        type("approve-code", code);
        driver.findElement(By.id("approve-submit")).click();
        // The button is disabled while the request is in flight; wait for the answer, whatever it is.
        wait.until(d -> d.findElement(By.id("approve-submit")).isEnabled()
                && d.findElement(By.id("approve-code")).getAttribute("value").isEmpty());
    }

    static void listStatus(String status) {
        new Select(driver.findElement(By.id("status-filter"))).selectByValue(status);
        wait.until(ExpectedConditions.textMatches(By.id("list-state"),
                java.util.regex.Pattern.compile("(^No " + status + " grants\\.$)|(^\\d+ " + status + " grants?\\.$)")));
    }

    static WebElement row(String grantId) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#grant-list tr[data-grant-id='" + cssString(grantId) + "']")));
    }

    /** Waits for the alert region to show a problem; with a code, that the problem carries it. */
    static void problemShown(String regionId, String code) {
        WebElement region = visible(regionId);
        assertEquals("alert", region.getAttribute("role"));
        if (code != null) {
            wait.until(ExpectedConditions.textToBePresentInElement(region, code));
            assertEquals(code, region.findElement(By.cssSelector("[data-testid=problem-code]")).getText());
            assertFalse(region.findElement(By.cssSelector("[data-testid=problem-detail]")).getText().isBlank(),
                    "the server's detail is shown: " + region.getText());
        }
    }

    static void assertNoInjectedMarkup() {
        assertTrue(driver.findElements(By.cssSelector("main img")).isEmpty(), "no <img> was created from data");
        try {
            String text = driver.switchTo().alert().getText();
            fail("a script from grant data ran: alert(" + text + ")");
        } catch (NoAlertPresentException expected) {
            // nothing ran
        }
    }

    /** Console errors other than the HTTP errors this scenario provokes on purpose (401, 400, 409, a 404 favicon). */
    static void assertCleanConsole() {
        List<String> bad = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            String m = e.getMessage();
            boolean provoked = m.contains("Failed to load resource: the server responded with a status of");
            if (m.contains("Content Security Policy") || m.contains("Uncaught")
                    || (e.getLevel().intValue() >= Level.SEVERE.intValue() && !provoked)) {
                bad.add(e.getLevel() + " " + m);
            }
        }
        assertTrue(bad.isEmpty(), "browser console: " + bad);
    }

    /** A failure carries what the browser showed: the DOM and console in the message, a screenshot on disk. */
    static AssertionError withEvidence(Throwable t) {
        StringBuilder b = new StringBuilder("browser at ").append(driver.getCurrentUrl()).append('\n');
        try {
            Path shot = Files.createTempFile("ops-page-", ".png");
            Files.write(shot, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
            b.append("screenshot: ").append(shot).append('\n');
            for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) b.append("console: ").append(e).append('\n');
            String page = driver.findElement(By.tagName("body")).getText();
            b.append("page text:\n").append(page, 0, Math.min(page.length(), 4000));
        } catch (Exception e) {
            b.append("(no evidence: ").append(e).append(')');
        }
        return new AssertionError(t.getMessage() + "\n" + b, t);
    }

    static WebElement visible(String id) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
    }

    static String text(String id) {
        return visible(id).getText();
    }

    /** Each scope of the detail view as "name risk", the way an approver reads them. */
    static List<String> scopesShown() {
        List<String> out = new ArrayList<>();
        for (WebElement li : driver.findElements(By.cssSelector("#detail-scopes > li"))) {
            out.add(li.findElement(By.cssSelector("[data-testid=scope-name]")).getText() + " "
                    + li.findElement(By.cssSelector("[data-testid=scope-risk]")).getText());
        }
        return out;
    }

    /** The decision sits beside the facts, its top within the facts' height: no scrolling between reading and deciding. */
    static void assertDecisionBesideTheFacts() {
        org.openqa.selenium.Rectangle facts = driver.findElement(By.id("detail-facts")).getRect();
        org.openqa.selenium.Rectangle decision = visible("decision").getRect();
        assertTrue(decision.getX() >= facts.getX() + facts.getWidth(), "decision right of the facts: " + facts.getX()
                + "+" + facts.getWidth() + " vs " + decision.getX());
        assertTrue(decision.getY() < facts.getY() + 200, "decision level with the top of the facts: " + facts.getY()
                + " vs " + decision.getY());
    }

    /** A screenshot under target/screenshots, to look at. */
    static void screenshot(String name) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "screenshots"));
        Files.write(dir.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    static List<String> items(String listId) {
        List<String> out = new ArrayList<>();
        for (WebElement li : driver.findElements(By.cssSelector("#" + listId + " > li"))) out.add(li.getText());
        return out;
    }

    static void type(String id, String value) {
        WebElement input = visible(id);
        input.clear();
        input.sendKeys(value);
    }

    static String cssString(String s) {
        return s.replace("\\", "\\\\").replace("'", "\\'");
    }

    // ---- the browser ----------------------------------------------------------------------------------------------

    static void requireBrowser() {
        boolean ci = "true".equals(System.getenv("CI"));
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(CHROMIUM)) missing.add(CHROMIUM + " (Debian package chromium)");
        if (!Files.isExecutable(CHROMEDRIVER)) missing.add(CHROMEDRIVER + " (Debian package chromium-driver)");
        if (missing.isEmpty()) return;
        String message = "OpsPageBrowserTest needs " + String.join(" and ", missing)
                + ": apt-get install chromium chromium-driver (.ci/run does this under CI=true)";
        String banner = "\n" + "#".repeat(100) + "\n#  " + (ci ? "FAILING" : "SKIPPED") + ": the ops page was NOT tested in a browser.\n#  "
                + message + "\n" + "#".repeat(100) + "\n";
        System.err.println(banner);
        // Surefire sends System.err to a report file here; the process's own stderr reaches the console.
        @SuppressWarnings("resource")
        PrintStream console = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        console.println(banner);
        if (ci) fail("CI=true and no browser: " + message);
        Assumptions.assumeTrue(false, message);
    }

    static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                "--disable-gpu", "--no-first-run", "--disable-extensions");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .build();
        ChromeDriver d = new ChromeDriver(service, options);
        assertNotNull(d.getCapabilities().getBrowserVersion());
        return d;
    }
}
