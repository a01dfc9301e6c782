package dev.airlock.harness;

import java.time.Duration;
import java.util.List;

/**
 * One line of the fault suite's table: what was injected, what the server answered, what was lost, whether the audit
 * chain verifies and whether service came back. {@code problems} is empty when the scenario met its expectations.
 */
record FaultRow(String scenario, String injected, long requests, String byStatus, long other5xx, long missing,
                String auditVerify, String recovered, Duration took, String notes, List<String> problems) {

    static FaultRow skipped(String scenario, String why) {
        return new FaultRow(scenario, "-", 0, "-", 0, 0, "-", "-", Duration.ZERO, "SKIPPED: " + why, List.of());
    }

    boolean passed() {
        return problems.isEmpty();
    }

    String tableLine() {
        return "| " + String.join(" | ", scenario, injected, Long.toString(requests), byStatus, Long.toString(other5xx),
                Long.toString(missing), auditVerify, recovered, took.toSeconds() + " s",
                !passed() ? "**FAILED**" : notes.startsWith("SKIPPED") ? "skipped" : "ok") + " |";
    }
}
