package dev.airlock.cli;

import dev.airlock.core.scan.Finding;
import dev.airlock.core.scan.ScanNote;
import dev.airlock.core.scan.ScanResult;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** How {@code airlock scan} prints a result: grouped by file for people, one document for machines (docs/scan.md). */
final class ScanReport {
    private ScanReport() {}

    static void human(String dir, ScanResult r, PrintWriter out) {
        Map<String, List<Finding>> byFile = new LinkedHashMap<>();
        for (Finding f : r.findings()) byFile.computeIfAbsent(f.path(), k -> new ArrayList<>()).add(f);
        for (Map.Entry<String, List<Finding>> e : byFile.entrySet()) {
            out.println(e.getKey());
            for (Finding f : e.getValue()) {
                out.printf("  %s  %-22s %s%s%n", f.line() == 0 ? "(file)" : "line " + f.line(), f.kind().code(),
                        f.fingerprint(), f.provider() == null ? "" : "  -> /proxy/" + f.provider() + "/");
            }
        }
        if (!r.notes().isEmpty()) {
            if (!byFile.isEmpty()) out.println();
            out.println("Not scanned:");
            for (ScanNote n : r.notes()) out.println("  " + n.path() + ": " + n.reason());
        }
        if (!byFile.isEmpty() || !r.notes().isEmpty()) out.println();
        String scanned = r.filesScanned() + " file" + (r.filesScanned() == 1 ? "" : "s") + " scanned"
                + (r.ignored() > 0 ? ", " + r.ignored() + " ignored by .airlockscanignore or airlock:ignore" : "")
                + (r.truncated() ? ", STOPPED at a limit: not every file was read" : "");
        if (r.findings().isEmpty()) {
            out.println("No standing credentials found in " + dir + " (" + scanned + ").");
            return;
        }
        out.println(r.findings().size() + " standing credential" + (r.findings().size() == 1 ? "" : "s") + " in "
                + byFile.size() + " file" + (byFile.size() == 1 ? "" : "s") + " that an agent working in " + dir
                + " can read (" + scanned + ").");
        out.println("What to do:");
        Set<String> done = new LinkedHashSet<>();
        for (Finding f : r.findings()) {
            if (done.add(f.kind().code())) out.println("  " + f.kind().code() + ": " + f.kind().revoke() + ".");
        }
        out.println("  Then remove them from where agents run, and let agents reach each provider only through Airlock:"
                + " /proxy/<provider>/ with the short-lived token of airlock env. Fingerprints are sha256 of the value,"
                + " first 12 hex characters: printf %s \"$VALUE\" | sha256sum | cut -c1-12.");
    }

    static Map<String, Object> json(String dir, ScanResult r, int exit) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", ScanCommand.SCHEMA);
        doc.put("root", dir);
        List<Map<String, Object>> findings = new ArrayList<>();
        for (Finding f : r.findings()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", f.path());
            m.put("line", f.line());
            m.put("kind", f.kind().code());
            m.put("fingerprint", f.fingerprint());
            m.put("provider", f.provider());
            m.put("advice", f.advice());
            findings.add(m);
        }
        doc.put("findings", findings);
        List<Map<String, Object>> notes = new ArrayList<>();
        for (ScanNote n : r.notes()) notes.add(Map.of("path", n.path(), "reason", n.reason()));
        doc.put("notes", notes);
        doc.put("files_scanned", r.filesScanned());
        doc.put("ignored", r.ignored());
        doc.put("truncated", r.truncated());
        doc.put("exit_code", exit);
        return doc;
    }
}
