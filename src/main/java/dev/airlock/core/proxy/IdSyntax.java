package dev.airlock.core.proxy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What a provider's resource ids look like, per resource type (the part of a scope before the colon): the top-level
 * {@code ids} key of a provider file, and {@link #DEFAULT_PATTERN} for every type it does not declare. A resource id
 * that a rule reads from a request must match the syntax of its rule's scope's type in full, or the request is
 * refused before anything is decided.
 *
 * <p>Why: the upstream's web framework, not Airlock, decides which row an id names, and frameworks strip or reinterpret
 * parts of it. Rails reads {@code vol-7f3a.json} as {@code vol-7f3a} with a format, servlet containers drop
 * {@code ;v=1}, many stacks trim whitespace or decode once more, Google-style APIs read {@code vol-7f3a:delete} as a
 * custom method. An id Airlock checks as "not in the policy" would then act on production's {@code vol-7f3a}. An id
 * that matches a syntax without any such character has one reading only; its case is taken care of by ownership being
 * compared in canonical form.
 *
 * <p>Patterns are a <em>restricted</em> regular-expression syntax, checked at load rather than probed: literal
 * characters {@code A-Z a-z 0-9 _ -}; classes of those ({@code [a-z0-9_-]}, ranges within digits, lower or upper
 * case letters, no negation, no escapes); groups {@code (...)} and {@code (?:...)}; alternation {@code |}; the
 * quantifiers {@code ? * + {n} {n,} {n,m}}. Nothing else: no {@code .}, no escapes such as {@code \S}, no anchors,
 * no flags, no look-around. Every string such a pattern matches is therefore made of {@code [A-Za-z0-9_-]} only,
 * whatever the pattern, so no declared syntax can admit a {@code .}, {@code /}, {@code ;}, {@code %}, {@code \},
 * {@code :}, whitespace, a control or a non-ASCII character. Probing a compiled pattern with sample strings was
 * rejected: a probe set cannot prove that {@code vol-[0-9a-f]{4}\.json} never matches a dot.
 */
public final class IdSyntax {
    /** The syntax of every type a provider does not declare: an ASCII letter or digit, then up to 127 more or _ -. */
    public static final String DEFAULT_PATTERN = "[A-Za-z0-9][A-Za-z0-9_-]{0,127}";
    public static final IdSyntax DEFAULT = new IdSyntax(Map.of());
    /** Longest pattern a provider may declare, and most types it may declare. */
    public static final int MAX_PATTERN_LENGTH = 256;
    public static final int MAX_TYPES = 64;
    /** Largest count in a {@code {n,m}} quantifier; ids are at most {@value ResourceIds#MAX_LENGTH} characters anyway. */
    static final int MAX_REPEAT = 256;
    /**
     * Characters the matcher may read for one id. A well-formed pattern reads an id of 256 characters a few times; a
     * pattern that backtracks catastrophically ({@code (a|a)*b}) is cut off here and the id refused, so an agent
     * cannot make a provider's own pattern spend the proxy's CPU.
     */
    static final int MAX_MATCH_STEPS = 100_000;

    private static final Pattern DEFAULT_COMPILED = Pattern.compile(DEFAULT_PATTERN);

    private final Map<String, Pattern> byType;

    private IdSyntax(Map<String, Pattern> byType) {
        this.byType = Map.copyOf(byType);
    }

    /**
     * @param patterns pattern text by resource type
     * @throws IllegalArgumentException naming the first type whose pattern {@link #problem} refuses, or too many types
     */
    public static IdSyntax of(Map<String, String> patterns) {
        if (patterns.size() > MAX_TYPES) throw new IllegalArgumentException("more than " + MAX_TYPES + " types");
        Map<String, Pattern> compiled = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : patterns.entrySet()) {
            String problem = problem(e.getValue());
            if (problem != null) throw new IllegalArgumentException("ids." + e.getKey() + ": " + problem);
            compiled.put(Objects.requireNonNull(e.getKey()), Pattern.compile(e.getValue()));
        }
        return new IdSyntax(compiled);
    }

    /** The resource type a scope acts on: {@code volume} for {@code volume:delete}. */
    static String typeOf(String scope) {
        int colon = scope.indexOf(':');
        return colon < 0 ? scope : scope.substring(0, colon);
    }

    /** The declared pattern text for {@code type}, or the default. */
    public String pattern(String type) {
        Pattern p = byType.get(type);
        return p == null ? DEFAULT_PATTERN : p.pattern();
    }

    /** The declared types, with their patterns. */
    public Map<String, String> declared() {
        Map<String, String> out = new LinkedHashMap<>();
        byType.forEach((type, p) -> out.put(type, p.pattern()));
        return out;
    }

    /**
     * A shortest id of {@code type} in this syntax (each alternative its first branch, each quantifier its minimum), or
     * null if that is empty. For checks at load that must push a real id through a provider's rules, such as
     * precondition requests: any id the syntax admits maps the same way, since the mapper reads only its syntax.
     */
    public String sample(String type) {
        Pattern p = byType.getOrDefault(type, DEFAULT_COMPILED);
        String s = new Sampler(p.pattern()).alternatives();
        return s.isEmpty() || !p.matcher(s).matches() ? null : s;
    }

    /** Generates from the restricted grammar of {@link #problem}; the pattern has passed it. */
    private static final class Sampler {
        private final String p;
        private int i;

        Sampler(String pattern) {
            this.p = pattern;
        }

        String alternatives() {
            String first = sequence();
            while (i < p.length() && p.charAt(i) == '|') {
                i++;
                sequence();
            }
            return first;
        }

        private String sequence() {
            StringBuilder out = new StringBuilder();
            while (i < p.length() && p.charAt(i) != '|' && p.charAt(i) != ')') {
                String atom = atom();
                int times = 1;
                if (i < p.length()) {
                    char q = p.charAt(i);
                    if (q == '?' || q == '*') {
                        times = 0;
                        i++;
                    } else if (q == '+') {
                        i++;
                    } else if (q == '{') {
                        int end = p.indexOf('}', i);
                        times = Integer.parseInt(p.substring(i + 1, end).split(",")[0]);
                        i = end + 1;
                    }
                }
                out.append(atom.repeat(times));
            }
            return out.toString();
        }

        private String atom() {
            char c = p.charAt(i);
            if (c == '[') {
                int end = p.indexOf(']', i + 1);
                String first = String.valueOf(p.charAt(i + 1));
                i = end + 1;
                return first;
            }
            if (c == '(') {
                i += p.startsWith("(?:", i) ? 3 : 1;
                String inner = alternatives();
                i++; // ')'
                return inner;
            }
            i++;
            return String.valueOf(c);
        }
    }

    /**
     * Refuses {@code id}, read from the request at {@code where}, unless it matches the syntax of {@code type} in full.
     * {@code id} has passed {@link ResourceIds#check} (printable ASCII, at most 256 characters).
     */
    void check(String id, String type, String where, String provider) throws Refusal {
        Pattern p = byType.getOrDefault(type, DEFAULT_COMPILED);
        boolean ok;
        try {
            ok = p.matcher(new Budgeted(id)).matches();
        } catch (Budgeted.Exhausted e) {
            throw new Refusal(MappingResult.BAD_RESOURCE, where + " '" + RequestChecks.printable(id) + "' took too long"
                    + " to match the " + type + " id syntax of provider '" + provider + "' (" + p.pattern() + ")");
        }
        if (!ok) {
            throw new Refusal(MappingResult.BAD_RESOURCE, where + " '" + RequestChecks.printable(id) + "' is not a "
                    + type + " id of provider '" + provider + "' (" + type + " ids must match " + p.pattern()
                    + (byType.containsKey(type) ? "" : ", the default") + "): a framework could read it as another id");
        }
    }

    /**
     * Why {@code pattern} is not an acceptable id syntax, or null if it is: see the class comment for the grammar.
     * The grammar is checked here; whether groups and counts are well formed is left to {@link Pattern#compile}.
     */
    public static String problem(String pattern) {
        if (pattern.isEmpty()) return "an empty pattern matches no id";
        if (pattern.length() > MAX_PATTERN_LENGTH) return "longer than " + MAX_PATTERN_LENGTH + " characters";
        boolean atomBefore = false;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (idChar(c)) {
                atomBefore = true;
            } else if (c == '[') {
                int end = pattern.indexOf(']', i + 1);
                if (end < 0) return "unclosed '['";
                String why = classProblem(pattern.substring(i + 1, end));
                if (why != null) return why;
                i = end;
                atomBefore = true;
            } else if (c == '(') {
                if (pattern.startsWith("(?", i) && !pattern.startsWith("(?:", i)) {
                    return "only plain groups ( ) and (?: ) are allowed, not flags or look-around";
                }
                if (pattern.startsWith("(?:", i)) i += 2;
                atomBefore = false;
            } else if (c == ')') {
                atomBefore = true;
            } else if (c == '|') {
                atomBefore = false;
            } else if (c == '?' || c == '*' || c == '+' || c == '{') {
                if (!atomBefore) return "quantifier '" + c + "' at position " + i + " follows nothing it could repeat";
                if (c == '{') {
                    int end = pattern.indexOf('}', i);
                    if (end < 0 || !pattern.substring(i + 1, end).matches("[0-9]{1,3}(,[0-9]{0,3})?")) {
                        return "malformed count at position " + i + " (use {n}, {n,} or {n,m})";
                    }
                    for (String n : pattern.substring(i + 1, end).split(",")) {
                        if (!n.isEmpty() && Integer.parseInt(n) > MAX_REPEAT) return "count above " + MAX_REPEAT;
                    }
                    i = end;
                }
                // A quantifier repeats one atom once: a lazy or possessive suffix, or a second count, is not ours.
                atomBefore = false;
            } else {
                return "'" + (c >= 0x21 && c < 0x7F ? String.valueOf(c) : String.format("U+%04X", (int) c))
                        + "' at position " + i + " is not allowed: an id syntax may use the characters A-Z a-z 0-9 _ -,"
                        + " classes of them, ( ) (?: ) | ? * + and {n,m}, so that no id it admits has a '.', '/', ';',"
                        + " '%', ':', '\\', whitespace or a non-ASCII character";
            }
        }
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            return "not a valid regular expression: " + e.getDescription();
        }
        return null;
    }

    /** The characters an id syntax may admit at all. */
    static boolean idChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    private static String classProblem(String body) {
        if (body.isEmpty()) return "empty class []";
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (!idChar(c)) {
                return "'" + (c >= 0x21 && c < 0x7F ? String.valueOf(c) : String.format("U+%04X", (int) c))
                        + "' in a class is not allowed: classes hold A-Z a-z 0-9 _ - and ranges such as a-z, without"
                        + " negation or escapes";
            }
            boolean range = c != '-' && i + 2 < body.length() && body.charAt(i + 1) == '-';
            if (range) {
                char to = body.charAt(i + 2);
                if (!sameBlock(c, to) || to < c) return "range " + c + "-" + to + " is not within 0-9, a-z or A-Z";
                i += 2;
            } else if (c == '-' && i != 0 && i != body.length() - 1) {
                return "'-' in a class is a range between two letters or digits, or literal at its start or end";
            }
        }
        return null;
    }

    private static boolean sameBlock(char a, char b) {
        return (a >= '0' && a <= '9' && b >= '0' && b <= '9')
                || (a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z')
                || (a >= 'A' && a <= 'Z' && b >= 'A' && b <= 'Z');
    }

    /** An id that counts how often the matcher reads it, and stops it past {@link #MAX_MATCH_STEPS}. */
    private static final class Budgeted implements CharSequence {
        static final class Exhausted extends RuntimeException {
            Exhausted() {
                super(null, null, false, false);
            }
        }

        private final String text;
        private int steps;

        Budgeted(String text) {
            this.text = text;
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public char charAt(int index) {
            if (++steps > MAX_MATCH_STEPS) throw new Exhausted();
            return text.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.subSequence(start, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
