package dev.airlock.app;

import dev.airlock.core.policy.PolicyHash;
import dev.airlock.store.postgres.PgStateStore.PolicyAnnouncement;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Policy versions across replicas (issue 14): when another replica announces a reload (its hash, through the store's
 * change feed), this replica reloads its own policy folder. Folders are each replica's own (a ConfigMap, a deploy
 * step), so they can disagree: a replica whose folder yields another hash than the one announced keeps serving what
 * it has, says so in readiness (not ready: see docs/decisions.md), logs one warning per announcement, and reloads as
 * soon as its folder yields the announced hash. Called by the server's periodic refresh, one call at a time.
 */
final class PolicyFollower {
    private static final Logger LOG = Logger.getLogger(PolicyFollower.class.getName());

    private final Supplier<Optional<PolicyAnnouncement>> announced;
    private final Supplier<String> served;
    private final Path dir;
    private final Supplier<PolicyReload> reload;
    /** The announcement this replica last acted on, and the folder hash it last tried: each is tried once. */
    private long followedSeq = -1;
    private String triedFolder;
    private long warnedSeq = -1;
    private volatile String differing;

    PolicyFollower(Supplier<Optional<PolicyAnnouncement>> announced, Supplier<String> served, Path dir,
                   Supplier<PolicyReload> reload) {
        this.announced = announced;
        this.served = served;
        this.dir = dir;
        this.reload = reload;
    }

    /** The announced hash while this replica serves another; empty when they agree or nothing was announced. */
    Optional<String> differing() {
        return Optional.ofNullable(differing);
    }

    void follow() throws IOException {
        Optional<PolicyAnnouncement> a = announced.get();
        if (a.isEmpty() || a.get().policyHash().equals(served.get())) {
            differing = null;
            return;
        }
        PolicyAnnouncement now = a.get();
        // Hashing the folder is a few small reads, done only while this replica disagrees with the announcement.
        String folder = PolicyHash.of(dir);
        boolean newAnnouncement = now.seq() != followedSeq;
        followedSeq = now.seq();
        if (!folder.equals(served.get()) && (newAnnouncement || !folder.equals(triedFolder))) {
            triedFolder = folder; // an invalid folder is tried (and its refusal audited) once, not every refresh
            reload.get();
        }
        if (now.policyHash().equals(served.get())) {
            differing = null;
            return;
        }
        differing = now.policyHash();
        if (warnedSeq != now.seq()) {
            warnedSeq = now.seq();
            LOG.warning("another replica announced policy " + now.policyHash() + " but this replica's policy folder "
                    + dir + " yields " + folder + " (serving " + served.get() + "); not ready until they agree");
        }
    }
}
