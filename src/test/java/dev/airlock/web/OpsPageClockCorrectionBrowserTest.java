package dev.airlock.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.TestAirlock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 13, finding 6, on the ops page: an approver signed in while the server's clock was an hour ahead; after the
 * correction, an approval is refused as "code invalid" by the grant, and the page shows instead why (the session's
 * {@code totp_notice}) and which operator command clears it. Reuses {@link OpsPageBrowserTest}'s steps and browser.
 */
class OpsPageClockCorrectionBrowserTest {
    static final Duration HOUR = Duration.ofHours(1);

    @BeforeEach
    void start() throws Exception {
        OpsPageBrowserTest.requireBrowser();
        OpsPageBrowserTest.airlock = null;
        OpsPageBrowserTest.driver = OpsPageBrowserTest.chromium();
        OpsPageBrowserTest.wait = new WebDriverWait(OpsPageBrowserTest.driver, OpsPageBrowserTest.WAIT);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (OpsPageBrowserTest.driver != null) OpsPageBrowserTest.driver.quit();
        } finally {
            if (OpsPageBrowserTest.airlock != null) OpsPageBrowserTest.airlock.close();
        }
    }

    @Test
    void approvingAfterABackwardCorrectionShowsWhyAndTheOperatorCommand() throws Exception {
        TestAirlock airlock = TestAirlock.start();
        OpsPageBrowserTest.airlock = airlock;
        String secret = airlock.issueSecret("coding-agent");
        TestAirlock.OpsUser bob = airlock.addOps("bob", "ops");

        // 1. While the server's clock (and Bob's phone's) is an hour ahead, a grant is filed and Bob signs in; then
        //    the clock is corrected.
        airlock.clock.step(HOUR);
        String id = OpsPageBrowserTest.fileGrant(secret, "staging", "volume:delete", "vol-7f3a-stg",
                "the staging volume is corrupt after the failed migration test run", null);
        OpsPageBrowserTest.driver.get(airlock.base + "/ops/");
        OpsPageBrowserTest.signIn(bob);
        airlock.clock.step(HOUR.negated());

        // 2. He opens the grant and approves with the code his phone shows now.
        WebElement row = OpsPageBrowserTest.row(id);
        row.findElement(By.cssSelector("[data-testid=grant-open]")).click();
        OpsPageBrowserTest.wait.until(ExpectedConditions.textToBe(By.id("detail-id"), id));
        OpsPageBrowserTest.approveWith(airlock.freshCode(bob));

        // 3. The page says why, not "wrong code", and names the command.
        OpsPageBrowserTest.problemShown("approve-error", "clock_behind");
        WebElement region = OpsPageBrowserTest.driver.findElement(By.id("approve-error"));
        String detail = region.findElement(By.cssSelector("[data-testid=problem-detail]")).getText();
        assertTrue(detail.startsWith("the last code accepted for bob was for a time "), detail);
        assertTrue(detail.endsWith("an operator can run `airlock ops reset-totp-step bob`"), detail);
        assertEquals("PENDING", airlock.airlock.store.grant(id).orElseThrow().status().name());
    }
}
