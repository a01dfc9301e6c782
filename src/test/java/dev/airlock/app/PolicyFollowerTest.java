package dev.airlock.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.policy.PolicyHash;
import dev.airlock.store.postgres.PgStateStore.PolicyAnnouncement;
import dev.airlock.testing.PolicyCopy;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PolicyFollower} with a real policy folder, an announcement and a reload that counts its calls. */
class PolicyFollowerTest {
    @TempDir
    Path tmp;

    @Test
    void aFolderThatDoesNotLoadIsTriedOncePerAnnouncementNotAtEveryRefresh() throws Exception {
        PolicyCopy folder = PolicyCopy.ofShipped(tmp);
        String served = PolicyHash.of(folder.dir);
        folder.append("environments.yaml", "\n: not yaml [\n"); // the folder now yields another hash, and no policy
        AtomicInteger reloads = new AtomicInteger();
        AtomicReference<PolicyAnnouncement> announced = new AtomicReference<>(new PolicyAnnouncement("elsewhere", 7));
        PolicyFollower follower = new PolicyFollower(() -> Optional.of(announced.get()), () -> served, folder.dir, () -> {
            reloads.incrementAndGet();
            return new PolicyReload(false, served, served, List.of("environments.yaml: not yaml"));
        });

        for (int refresh = 0; refresh < 5; refresh++) follower.follow();
        assertEquals(1, reloads.get(), "one attempt, one policy.reload_refused");
        assertEquals(Optional.of("elsewhere"), follower.differing());

        announced.set(new PolicyAnnouncement("elsewhere-again", 8));
        follower.follow();
        assertEquals(2, reloads.get(), "a new announcement is tried again");
        assertTrue(follower.differing().isPresent());
    }
}
