package dev.airlock.cli;

import dev.airlock.core.scan.CredentialScanner;
import dev.airlock.core.scan.Finding;
import dev.airlock.core.scan.ScanException;
import dev.airlock.core.scan.ScanLimits;
import dev.airlock.core.scan.ScanResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * The one-line warning {@code airlock env} prints on standard error when the working tree holds a standing
 * credential: an agent that finds a provider token lying in its tree does not need Airlock to use it (issue 16's
 * first cause). A glance, not the scan: {@link ScanLimits#QUICK}, built-in detectors only, and nothing it meets
 * (an unreadable folder, a bug) can make {@code env} fail or change what it prints on standard output.
 */
final class ScanWarning {
    private ScanWarning() {}

    static void warn(Path dir, PrintWriter err) {
        ScanResult r;
        try {
            r = new CredentialScanner(ScanLimits.QUICK, List.of()).scan(dir);
        } catch (ScanException | RuntimeException e) {
            return;
        }
        if (r.findings().isEmpty()) return;
        Finding f = r.findings().get(0);
        int n = r.findings().size();
        err.println("warning: " + n + " standing credential" + (n == 1 ? "" : "s") + " readable in this working tree"
                + " (" + f.path() + (f.line() > 0 ? ":" + f.line() : "") + " " + f.kind().code() + (n > 1 ? ", ..." : "")
                + "); run airlock scan for details");
        err.flush();
    }
}
