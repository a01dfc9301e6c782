package dev.airlock.cli;

import dev.airlock.app.Airlock;
import dev.airlock.app.PolicyReload;
import java.io.PrintWriter;

/**
 * {@code kill -HUP <pid>} makes {@code airlock serve} reload its policy folder, as daemons conventionally do
 * (nginx, sshd, HAProxy). Through {@code sun.misc.Signal}: the JDK has no supported API for signals, and this one is
 * exported by {@code jdk.unsupported} precisely for this use; where it is missing (or HUP is taken), the server
 * says so at start and {@code airlock policy reload} remains.
 */
final class ReloadSignal {
    private ReloadSignal() {}

    /** Installs the handler; false (and a note on {@code err}) where the platform does not let us. */
    static boolean install(Airlock airlock, PrintWriter err) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> onSignal(airlock, err));
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            err.println("note: SIGHUP cannot be handled here (" + e.getMessage() + "); use 'airlock policy reload'");
            err.flush();
            return false;
        }
    }

    /**
     * What the handler does: the reload, on a thread of its own (the signal dispatcher must not wait on file reads
     * and an audit write), reported on {@code err}, where the supervisor's log keeps it.
     */
    static Thread onSignal(Airlock airlock, PrintWriter err) {
        Thread t = new Thread(() -> {
            PolicyReload r = airlock.reloadPolicy();
            err.println("SIGHUP: " + r.describe());
            err.flush();
        }, "airlock-policy-reload");
        t.start();
        return t;
    }
}
