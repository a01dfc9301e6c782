package dev.airlock.core.grant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.policy.Agent;
import dev.airlock.core.store.StateStore;
import dev.airlock.core.token.AccessToken;
import dev.airlock.core.store.ForwardingStateStore;
import dev.airlock.testing.TestCore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CIBA redemption decided on the grant's status, for every status there is: only an approved grant yields a token.
 * (That no status is handled by a {@code default} branch, which would quietly cover a status added later, is checked
 * on the bytecode by {@code StatusSwitchTest}.) And spending a grant token's uses under a concurrent spend.
 */
class GrantRedemptionTest {
    @TempDir
    Path data;
    TestCore core;
    Agent agent;

    @BeforeEach
    void open() throws Exception {
        core = new TestCore(data);
        agent = core.policy.agent("coding-agent").orElseThrow();
    }

    @AfterEach
    void close() {
        core.close();
    }

    /** A staging grant of coding-agent for volume:delete on vol-7f3a-stg, stored with {@code status}. */
    Grant stored(GrantStatus status) {
        Instant now = core.clock.instant();
        boolean decided = status != GrantStatus.PENDING;
        Grant g = new Grant("gr_" + status.label(), agent.id(), "staging", List.of("volume:delete"),
                List.of("vol-7f3a-stg"), "the staging volume is corrupt after the failed migration test run",
                "delete vol-7f3a-stg", 1, decided ? List.of(new Approval("erin", now)) : List.of(), status, now,
                now.plus(Duration.ofMinutes(15)), decided ? "erin" : null,
                status == GrantStatus.DENIED ? "not during the freeze" : null, decided ? now : null,
                status == GrantStatus.REDEEMED ? "jti-earlier" : null, status == GrantStatus.REDEEMED ? 1 : 0,
                status == GrantStatus.REDEEMED ? now.plus(Duration.ofMinutes(5)) : null, 1);
        assertTrue(core.store.saveGrant(g).join());
        return g;
    }

    @Test
    void pollRedeemsAnApprovedGrantAndNothingElse() {
        Map<GrantStatus, String> expected = new EnumMap<>(GrantStatus.class);
        expected.put(GrantStatus.PENDING, "authorization_pending");
        expected.put(GrantStatus.APPROVED, null);
        expected.put(GrantStatus.REDEEMED, "invalid_grant");
        expected.put(GrantStatus.DENIED, "access_denied");
        expected.put(GrantStatus.EXPIRED, "expired_token");
        expected.put(GrantStatus.CANCELLED, "access_denied");
        assertEquals(List.of(GrantStatus.values()), List.copyOf(expected.keySet()), "every status has an expectation");

        for (GrantStatus status : GrantStatus.values()) {
            Grant g = stored(status);
            GrantRedemption.Outcome o = core.grants.redemption.poll(agent, g.id(), "test").join();
            if (status == GrantStatus.APPROVED) {
                assertNull(o.error(), () -> o.error().description());
                assertNotNull(o.minted());
                assertEquals(g.id(), o.minted().token().grantId());
                assertEquals(GrantStatus.REDEEMED, core.store.grant(g.id()).orElseThrow().status());
            } else {
                assertNull(o.minted(), status + " must not yield a token");
                assertEquals(expected.get(status), o.error().error(), status.toString());
                assertEquals(status, core.store.grant(g.id()).orElseThrow().status(), "unchanged");
            }
        }
    }

    // --- spending under a concurrent spend ---

    @Test
    void spendWhenAnotherSpendTakesTheLastUseBetweenTheCheckAndTheSaveThenRefused() {
        AccessToken t = core.grantToken("staging", "volume:delete", "vol-7f3a-stg").token();
        // A second spender on the same data, whose spend runs exactly between this spend's two reads of the grant:
        // the read that checks the request and the read it saves one use less on top of.
        GrantRedemption.UseRefusal[] other = new GrantRedemption.UseRefusal[1];
        ReadHook store = new ReadHook(core.store, 2, () -> other[0] = core.grants.redemption.spend(t, "vol-7f3a-stg",
                "other").join());
        Grants interleaved = new Grants(core.policy, store, core.audit, GrantNotifier.NONE,
                (who, code) -> CompletableFuture.completedFuture(true), core.minter, core.clock, core.random,
                TestCore.ISSUER + "/oauth2/token");

        GrantRedemption.UseRefusal mine = interleaved.redemption.spend(t, "vol-7f3a-stg", "mine").join();

        assertTrue(store.fired, "the other spend ran in between");
        assertNull(other[0], "the other spend took the one use");
        assertNotNull(mine, "one use, two spends: the second must be refused");
        assertEquals("grant_used", mine.code());
        assertEquals(0, core.store.grant(t.grantId()).orElseThrow().usesLeft());
    }

    /** A real store that runs {@code between} once, just before its {@code n}-th read of a grant. */
    static final class ReadHook extends ForwardingStateStore {
        private final Runnable between;
        private int reads;
        private final int n;
        boolean fired;

        ReadHook(StateStore real, int n, Runnable between) {
            super(real);
            this.n = n;
            this.between = between;
        }

        @Override
        public Optional<Grant> grant(String id) {
            if (++reads == n) {
                fired = true;
                between.run();
            }
            return real.grant(id);
        }
    }
}
