package dev.airlock.core.proxy;

import dev.airlock.core.policy.StrictYaml;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the optional {@code credential_patterns:} list of a provider file (see {@link CredentialPatterns}), reporting
 * every problem with its line and field path. Kept apart from {@link ProviderLoader} so that the loader only names it.
 */
final class CredentialPatternsSection {
    private CredentialPatternsSection() {}

    /** The patterns, or null when something is wrong (every problem reported). */
    static CredentialPatterns read(StrictYaml.Node node) {
        List<StrictYaml.Node> items = node.list();
        if (items == null) return null;
        if (items.isEmpty()) {
            node.error("an empty list: remove credential_patterns, or name at least one pattern");
            return null;
        }
        if (items.size() > CredentialPatterns.MAX_PATTERNS) {
            node.error("more than " + CredentialPatterns.MAX_PATTERNS + " patterns");
            return null;
        }
        List<String> texts = new ArrayList<>();
        boolean ok = true;
        for (StrictYaml.Node item : items) {
            String text = item.text();
            if (text == null) {
                item.error("expected a regular expression as a string, got " + item.kind());
                ok = false;
                continue;
            }
            String problem = CredentialPatterns.problem(text);
            if (problem != null) {
                item.error("credential pattern refused: " + problem);
                ok = false;
                continue;
            }
            texts.add(text);
        }
        return ok ? CredentialPatterns.of(texts) : null;
    }
}
