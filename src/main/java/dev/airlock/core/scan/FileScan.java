package dev.airlock.core.scan;

import dev.airlock.core.proxy.CredentialPatterns;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The detectors over one file's text: well-known formats everywhere, provider patterns everywhere, and the location
 * rule of the file if it has one. The same credential found by two of them on one line is reported once, by the most
 * specific (format, then provider pattern, then location).
 */
final class FileScan {
    /** Bytes looked at for a NUL: a text file has none, nearly every binary format has some at its start. */
    static final int BINARY_SNIFF = 8192;

    private final List<ProviderSignature> providers;
    private final Map<String, String> providerByEnv;

    FileScan(List<ProviderSignature> providers) {
        this.providers = List.copyOf(providers);
        java.util.HashMap<String, String> byEnv = new java.util.HashMap<>();
        for (ProviderSignature p : providers) {
            if (p.credentialEnv() != null) byEnv.putIfAbsent(p.credentialEnv(), p.name());
        }
        this.providerByEnv = Map.copyOf(byEnv);
    }

    static boolean binary(byte[] content) {
        for (int i = 0; i < Math.min(content.length, BINARY_SNIFF); i++) {
            if (content[i] == 0) return true;
        }
        return false;
    }

    /** @param exhausted set to true when a provider pattern ran out of steps on some line */
    record Outcome(List<Hit> hits, int ignoredInline, boolean exhausted) {}

    Outcome scan(String path, byte[] content) {
        String text = new String(content, StandardCharsets.UTF_8); // malformed bytes become U+FFFD, never a failure
        List<String> lines = List.of(text.split("\\r?\\n|\\r", -1));
        Locations.Location location = Locations.of(path);
        List<Hit> hits = new ArrayList<>();
        int ignored = 0;
        boolean exhausted = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            List<Hit> onLine = new ArrayList<>();
            TokenFormats.scan(lines, i, onLine);
            for (ProviderSignature p : providers) {
                if (p.patterns().isEmpty()) continue;
                CredentialPatterns.Found found = p.patterns().find(line);
                exhausted |= found.exhausted();
                for (String v : found.values()) {
                    if (Placeholders.isPlaceholder(v)) continue;
                    onLine.add(new Hit(i + 1, CredentialKind.provider(p.name()), Hit.Source.PROVIDER, v, p.name()));
                }
            }
            if (location != null) Locations.scan(location, line, i + 1, providerByEnv::get, onLine);
            List<Hit> kept = distinct(onLine);
            if (kept.isEmpty()) continue;
            if (line.contains(ScanIgnore.INLINE)) {
                ignored += kept.size();
                continue;
            }
            hits.addAll(kept);
        }
        return new Outcome(hits, ignored, exhausted);
    }

    /** One hit per credential on a line: the most specific source wins. */
    private static List<Hit> distinct(List<Hit> onLine) {
        if (onLine.size() < 2) return onLine;
        List<Hit> sorted = new ArrayList<>(onLine);
        sorted.sort(java.util.Comparator.comparing(h -> h.source));
        List<Hit> kept = new ArrayList<>();
        for (Hit h : sorted) {
            if (kept.stream().noneMatch(k -> k.overlaps(h))) kept.add(h);
        }
        return kept;
    }
}
