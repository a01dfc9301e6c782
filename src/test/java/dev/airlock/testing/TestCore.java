package dev.airlock.testing;

import com.nimbusds.jose.JWSAlgorithm;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.check.CheckService;
import dev.airlock.core.check.Introspection;
import dev.airlock.core.check.TokenAdmin;
import dev.airlock.core.check.TokenUsability;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.grant.Approver;
import dev.airlock.core.grant.FreshFactor;
import dev.airlock.core.grant.GrantNotifier;
import dev.airlock.core.grant.GrantOutcome;
import dev.airlock.core.grant.GrantRedemption;
import dev.airlock.core.grant.GrantRequests;
import dev.airlock.core.grant.Grants;
import dev.airlock.core.policy.Agent;
import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.token.KeyRing;
import dev.airlock.core.token.TokenMinter;
import dev.airlock.core.token.TokenVerifier;
import dev.airlock.store.embedded.FileStateStore;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Airlock's domain core without HTTP, for tests at the layer they specify: the example policy in {@code scopes/},
 * real keys, a real file store and audit log in a temporary directory, and a clock the test moves. The grant flow's
 * second factor accepts every code: these tests are about tokens, not people (the ops realm has its own tests).
 */
public final class TestCore implements AutoCloseable {
    public static final String ISSUER = "https://airlock.test";

    public final MutableClock clock = MutableClock.at("2026-06-01T12:00:00Z");
    public final SecureRandom random = new SecureRandom();
    public final Policy policy;
    public final KeyRing keys;
    public final FileStateStore store;
    public final AuditLog audit;
    public final TokenMinter minter;
    public final TokenVerifier verifier;
    public final Grants grants;
    public final TokenUsability tokens;
    public final CheckService check;
    public final Introspection introspection;
    public final TokenAdmin admin;

    public TestCore(Path data) throws Exception {
        this(data, PolicyLoader.load(TestAirlock.EXAMPLE_POLICY));
    }

    /** With another policy, e.g. the example's with other grant limits. */
    public TestCore(Path data, Policy policy) throws Exception {
        this.policy = policy;
        keys = KeyRing.open(data, new SecretBox(new byte[32], random), JWSAlgorithm.EdDSA, clock, random);
        store = FileStateStore.open(data, clock);
        audit = AuditLog.open(data.resolve("audit.log"), clock);
        minter = new TokenMinter(keys, ISSUER, clock, random, policy);
        verifier = new TokenVerifier(keys, ISSUER, clock);
        FreshFactor anyCode = (who, code) -> CompletableFuture.completedFuture(true);
        grants = new Grants(policy, store, audit, GrantNotifier.NONE, anyCode, minter, clock, random,
                ISSUER + "/oauth2/token");
        tokens = new TokenUsability(policy, store, verifier, grants.redemption);
        check = new CheckService(policy, store, tokens, audit, ISSUER, grants.redemption);
        introspection = new Introspection(tokens, audit, ISSUER);
        admin = new TokenAdmin(policy, store, audit, audit);
    }

    /** An ordinary access token of coding-agent. */
    public TokenMinter.Minted accessToken(String environment, String... scopes) {
        return minter.mint("coding-agent", environment, Set.of(scopes), Duration.ofMinutes(5), null);
    }

    /** A filed grant of coding-agent, approved by as many people of the environment's approver group as it needs. */
    public String approvedGrant(String environment, String scope, String resource) {
        Agent agent = policy.agent("coding-agent").orElseThrow();
        GrantOutcome filed = grants.requests.request(agent, new GrantRequests.Request(environment, List.of(scope),
                List.of(resource), "the volume is an orphaned copy left by the migration test run",
                "delete " + resource, "test")).join();
        if (!filed.ok()) throw new AssertionError(filed.message());
        String group = environment.equals("production") ? "prod-ops" : "ops";
        for (String person : List.of("carol", "dave")) {
            if (store.grant(filed.grant().id()).orElseThrow().status() != dev.airlock.core.grant.GrantStatus.PENDING) break;
            GrantOutcome o = grants.decisions.approve(new Approver(person, Set.of(group)), filed.grant().id(), "000000",
                    "test").join();
            if (!o.ok()) throw new AssertionError(o.message());
        }
        return filed.grant().id();
    }

    /** The one-shot token of a freshly approved grant, redeemed as the agent would (CIBA poll). */
    public TokenMinter.Minted grantToken(String environment, String scope, String resource) {
        String id = approvedGrant(environment, scope, resource);
        GrantRedemption.Outcome o = grants.redemption.poll(policy.agent("coding-agent").orElseThrow(), id, "test").join();
        if (o.error() != null) throw new AssertionError(o.error().description());
        return o.minted();
    }

    @Override
    public void close() {
        try {
            audit.close();
        } finally {
            store.close();
        }
    }
}
