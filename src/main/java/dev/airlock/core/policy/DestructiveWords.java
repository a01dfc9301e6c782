package dev.airlock.core.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The one classifier of names by the words they are made of: scope verbs, REST path segments and GraphQL field names
 * are destructive when one of their words is a built-in destructive word, whatever a policy calls them. A policy
 * author's label is a claim; the words of the operation are what it does (issue 12: {@code volume:destroy_all}
 * declared {@code write} was minted to agents automatically because only the whole verb was compared).
 *
 * <p>A name is split into words on every character that is not an ASCII letter or digit ({@code _ - . /} ...), at
 * camelCase boundaries ({@code volumeDelete}, {@code DBDrop} = {@code DB}, {@code Drop}) and between letters and digits.
 * It is destructive when
 * <ul>
 *   <li>a word is a built-in word ({@code force-delete}, {@code drop_table}, {@code purgeCache});</li>
 *   <li>two neighbouring words spell one ({@code tearDown}, {@code roll_back}, {@code over-write});</li>
 *   <li>a word is a built-in word glued to {@code all}, {@code everything}, or after {@code force}, {@code hard},
 *       {@code bulk}, {@code mass} ({@code deleteall}, {@code killall}, {@code forcedelete}).</li>
 * </ul>
 * Matching is by whole words, not substrings: {@code information} is not {@code format}, {@code skill} not
 * {@code kill}, {@code preset} not {@code reset}. The price is that other glued spellings ({@code volumedelete}) are
 * not recognised; docs/decisions.md says why.
 */
public final class DestructiveWords {
    /** Words that name an action that cannot be undone, or undoes something else (restore, rollback, reset). */
    public static final Set<String> BUILT_IN = Set.of(
            "delete", "del", "rm", "rmdir", "remove", "destroy", "drop", "truncate", "purge", "prune", "wipe", "erase",
            "expunge", "terminate", "teardown", "nuke", "reset", "format", "overwrite", "restore", "rollback", "revoke",
            "shred", "detach", "deprovision", "uninstall", "kill");
    private static final List<String> GLUED_BEFORE = List.of("force", "hard", "bulk", "mass");
    private static final List<String> GLUED_AFTER = List.of("all", "everything");

    private DestructiveWords() {}

    /**
     * The built-in destructive word {@code name} contains, lower case, if any.
     *
     * @param name a scope verb, a path segment, a GraphQL field name
     */
    public static Optional<String> destructivePart(String name) {
        List<String> words = words(name);
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (BUILT_IN.contains(w)) return Optional.of(w);
            if (i + 1 < words.size() && BUILT_IN.contains(w + words.get(i + 1))) return Optional.of(w + words.get(i + 1));
            for (String glue : GLUED_BEFORE) {
                if (w.startsWith(glue) && BUILT_IN.contains(w.substring(glue.length()))) {
                    return Optional.of(w.substring(glue.length()));
                }
            }
            for (String glue : GLUED_AFTER) {
                if (w.endsWith(glue) && BUILT_IN.contains(w.substring(0, w.length() - glue.length()))) {
                    return Optional.of(w.substring(0, w.length() - glue.length()));
                }
            }
        }
        return Optional.empty();
    }

    /** The words of {@code name}, lower case, in order. */
    public static List<String> words(String name) {
        // Never cut: every caller's input is already bounded (scope part 63, path segment 128, GraphQL name 128).
        String s = name;
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : ' ';
            if (!isAsciiAlnum(c)) {
                if (start >= 0) out.add(s.substring(start, i).toLowerCase(Locale.ROOT));
                start = -1;
                continue;
            }
            if (start >= 0 && boundary(s, i)) {
                out.add(s.substring(start, i).toLowerCase(Locale.ROOT));
                start = i;
            }
            if (start < 0) start = i;
        }
        return out;
    }

    /** True if a new word starts at {@code i} (both {@code i - 1} and {@code i} are ASCII letters or digits). */
    private static boolean boundary(String s, int i) {
        char prev = s.charAt(i - 1);
        char c = s.charAt(i);
        if (isDigit(prev) != isDigit(c)) return true;
        if (isLower(prev) && isUpper(c)) return true;
        // The last capital of a run starts the next word: DBDrop -> DB, Drop.
        return isUpper(prev) && isUpper(c) && i + 1 < s.length() && isLower(s.charAt(i + 1));
    }

    private static boolean isAsciiAlnum(char c) {
        return isLower(c) || isUpper(c) || isDigit(c);
    }

    private static boolean isLower(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
