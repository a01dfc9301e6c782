package dev.airlock.core.scan;

import java.util.List;

/**
 * @param findings     by path, then line
 * @param notes        what was not read, and why
 * @param filesScanned regular files read
 * @param ignored      findings not reported because of {@code .airlockscanignore} or an {@code airlock:ignore} comment
 * @param truncated    true if a limit stopped the scan before it saw every file
 */
public record ScanResult(List<Finding> findings, List<ScanNote> notes, int filesScanned, int ignored, boolean truncated) {
    public ScanResult {
        findings = List.copyOf(findings);
        notes = List.copyOf(notes);
    }
}
