package dev.airlock.core.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What this provider's credentials look like, from the optional {@code credential_patterns:} list of its file: the
 * standing-credential scan ({@code airlock scan}, docs/scan.md) reports text that one of them finds as
 * {@code provider:<name>}, and tells the user to reach that provider through {@code /proxy/<name>/}. The proxy itself
 * never uses them.
 *
 * <p>Each is a Java regular expression, validated and compiled once at load; a pattern with one capturing group
 * marks the credential itself (so {@code RAILWAY_TOKEN=(uuid)} fingerprints the UUID, not the variable name).
 * Patterns are never quoted back in an error: a file that should hold a pattern may hold a pasted token instead.
 */
public final class CredentialPatterns {
    public static final CredentialPatterns NONE = new CredentialPatterns(List.of());
    public static final int MAX_PATTERNS = 16;
    public static final int MAX_PATTERN_LENGTH = 256;
    /**
     * Characters the matcher may read for one line. A pattern that backtracks catastrophically ({@code (a+)+b}) on a
     * long line is cut off here instead of stalling a scan that gates CI or an agent's start.
     */
    static final int MAX_MATCH_STEPS = 200_000;
    /**
     * Ordinary text no credential pattern may find anything in: a pattern that does would report every file of a
     * working tree, and a scan that cries wolf is switched off.
     */
    static final List<String> INNOCUOUS = List.of("", " ", "a", "x = 1", "true", "hello world", "https://example.com/",
            "export PATH=/usr/local/bin:/usr/bin", "import java.util.List;");

    private final List<Pattern> patterns;

    private CredentialPatterns(List<Pattern> patterns) {
        this.patterns = List.copyOf(patterns);
    }

    /**
     * @throws IllegalArgumentException naming the index of the first pattern {@link #problem} refuses, or too many
     */
    public static CredentialPatterns of(List<String> texts) {
        if (texts.size() > MAX_PATTERNS) throw new IllegalArgumentException("more than " + MAX_PATTERNS + " patterns");
        List<Pattern> compiled = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String problem = problem(texts.get(i));
            if (problem != null) throw new IllegalArgumentException("credential_patterns[" + i + "]: " + problem);
            compiled.add(Pattern.compile(texts.get(i)));
        }
        return new CredentialPatterns(compiled);
    }

    /** Why {@code text} is not an acceptable credential pattern, or null; the message never contains the text. */
    public static String problem(String text) {
        if (text.isEmpty()) return "an empty pattern";
        if (text.length() > MAX_PATTERN_LENGTH) return "longer than " + MAX_PATTERN_LENGTH + " characters";
        Pattern p;
        try {
            p = Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            return "not a valid regular expression: " + e.getDescription() + " at index " + e.getIndex();
        }
        if (p.matcher("").groupCount() > 1) {
            return "more than one capturing group: use (?:...) for grouping and one (...) around the credential itself";
        }
        for (String s : INNOCUOUS) {
            try {
                if (p.matcher(new Budgeted(s)).find()) {
                    return "too broad: it " + (s.isEmpty() ? "matches an empty line"
                            : "finds a match in ordinary text such as \"" + s + "\"");
                }
            } catch (Budgeted.Exhausted e) {
                return "too slow: it backtracks on ordinary text";
            }
        }
        return null;
    }

    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    public int size() {
        return patterns.size();
    }

    /** The pattern texts (not secret: they describe a shape), for documentation and tests. */
    public List<String> texts() {
        return patterns.stream().map(Pattern::pattern).toList();
    }

    /**
     * The credentials found in {@code line}: group 1 of a pattern that has one, else the whole match. A pattern that
     * runs out of its step budget on this line finds nothing more in it; {@link Found#exhausted} says so.
     */
    public Found find(String line) {
        List<String> values = new ArrayList<>();
        boolean exhausted = false;
        for (Pattern p : patterns) {
            try {
                Matcher m = p.matcher(new Budgeted(line));
                while (m.find()) {
                    String v = m.groupCount() == 1 ? m.group(1) : m.group();
                    if (v != null && !v.isEmpty()) values.add(v);
                    if (m.end() == m.start() && m.end() >= line.length()) break;
                }
            } catch (Budgeted.Exhausted e) {
                exhausted = true;
            }
        }
        return new Found(values, exhausted);
    }

    /**
     * @param values    the credentials found, in no particular order; never print them
     * @param exhausted true if a pattern ran out of steps on the line
     */
    public record Found(List<String> values, boolean exhausted) {
        public Found {
            values = List.copyOf(values);
        }

        @Override
        public String toString() {
            return "Found[" + values.size() + " values, exhausted=" + exhausted + "]";
        }
    }

    /** A line whose reads are counted, so that a backtracking pattern is cut off (see {@link #MAX_MATCH_STEPS}). */
    private static final class Budgeted implements CharSequence {
        static final class Exhausted extends RuntimeException {
            private static final long serialVersionUID = 1L;

            Exhausted() {
                super(null, null, false, false);
            }
        }

        private final String text;
        private final int[] steps;

        Budgeted(String text) {
            this(text, new int[1]);
        }

        private Budgeted(String text, int[] steps) {
            this.text = text;
            this.steps = steps;
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public char charAt(int index) {
            if (++steps[0] > MAX_MATCH_STEPS) throw new Exhausted();
            return text.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Budgeted(text.substring(start, end), steps);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
