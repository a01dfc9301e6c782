package dev.airlock.http;

import dev.airlock.app.Airlock;
import dev.airlock.app.PolicyReloadRequests;
import java.io.IOException;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the server's periodic refresh does, off the event loop: re-read the store (revocations and freezes other
 * processes wrote), advance the key schedule (a published key activates, a retired one is deleted), and take a
 * pending {@code airlock policy reload} request. A failing step is logged when it starts and stops failing, not four
 * times a second, and does not keep the others from running.
 */
final class Refresh {
    private static final Logger LOG = Logger.getLogger(Refresh.class.getName());
    private final Airlock airlock;
    private final Runnable storeRefresh;
    private String keysFailing;
    private String followFailing;
    private String reloadFailing;

    Refresh(Airlock airlock) {
        this(airlock, airlock.store::refresh);
    }

    /** @param storeRefresh the store's refresh; a test passes one that fails as an unreadable journal would */
    Refresh(Airlock airlock, Runnable storeRefresh) {
        this.airlock = airlock;
        this.storeRefresh = storeRefresh;
    }

    /** Runs on one worker at a time (a Vert.x periodic with ordered=false, but each tick waits for the last). */
    synchronized void run() {
        try {
            storeRefresh.run();
        } finally {
            // A store that cannot be read (issue 13: the server answers 503 meanwhile) must not also freeze the key
            // schedule: a due activation or deletion is independent of the journal.
            keysFailing = step("key schedule", keysFailing, airlock::refreshKeys);
            reloadFailing = step("policy reload request", reloadFailing, this::takeReloadRequest);
            followFailing = step("policy announced by another replica", followFailing, airlock::followAnnouncedPolicy);
        }
    }

    private void takeReloadRequest() throws IOException {
        Optional<String> request = PolicyReloadRequests.take(airlock.config.dataDir());
        if (request.isEmpty()) return;
        PolicyReloadRequests.answer(airlock.config.dataDir(), request.get(), airlock.reloadPolicy());
    }

    private interface Step {
        void run() throws IOException;
    }

    private static String step(String name, String failing, Step step) {
        try {
            step.run();
            if (failing != null) LOG.info(name + " works again");
            return null;
        } catch (IOException | RuntimeException e) {
            String why = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!why.equals(failing)) LOG.log(Level.WARNING, name + " failed (retried at every refresh): " + why);
            return why;
        }
    }
}
