package dev.airlock.core.grant;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.policy.CanonicalId;
import dev.airlock.core.policy.Precondition;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads one provider answer against one {@link Precondition}: pure, no I/O, the time given. Anything it cannot read
 * counts as failed, with the reason (issue 16: "a precondition that cannot be evaluated counts as failed").
 */
final class PreconditionJudge {
    /** Items of the list looked at; a provider that lists more has the rest ignored, and the reason says so. */
    static final int MAX_ITEMS = 1000;
    /**
     * A backup dated later than now by more than this is refused: a clock that far off, or a forged date, would
     * otherwise pass as "0 s old" for as long as the date stays in the future.
     */
    static final Duration MAX_FUTURE_SKEW = Duration.ofMinutes(5);
    /** Reasons quoted from individual items; the rest are counted. */
    static final int MAX_NOTES = 3;
    static final int MAX_ID_CHARS = 64;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private PreconditionJudge() {}

    static PreconditionResult judge(Precondition p, String resource, PreconditionProbe.Answer a, Instant now) {
        Precondition.Expect e = p.expect();
        if (a.status() < 200 || a.status() > 299) {
            return fail(p, resource, "provider " + p.provider() + " answered HTTP " + a.status());
        }
        if (!json(a.contentType())) return fail(p, resource, "provider " + p.provider() + " did not answer JSON");
        if (a.body().length > PreconditionProbe.MAX_BODY_BYTES) {
            return fail(p, resource, "the answer is larger than " + PreconditionProbe.MAX_BODY_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(a.body());
        } catch (IOException ex) {
            return fail(p, resource, "provider " + p.provider() + "'s answer is not valid JSON");
        }
        if (root == null || root.isMissingNode()) return fail(p, resource, "provider " + p.provider() + "'s answer is empty");
        JsonNode list = root.at(JsonPointer.compile(e.list()));
        if (list.isMissingNode()) return fail(p, resource, "the answer has no " + e.list());
        if (!list.isArray()) return fail(p, resource, e.list() + " in the answer is not a list");

        String wanted = CanonicalId.of(Precondition.fill(e.matchEquals(), resource));
        String forbidden = e.outsideField() == null ? null : CanonicalId.of(Precondition.fill(e.outsideNotEquals(), resource));
        List<String> notes = new ArrayList<>();
        int matched = 0;
        String best = null;
        Duration bestAge = null;
        int inspected = Math.min(list.size(), MAX_ITEMS);
        for (int i = 0; i < inspected; i++) {
            JsonNode item = list.get(i);
            String of = text(item.at(JsonPointer.compile(e.matchField())));
            if (of == null || !CanonicalId.of(of).equals(wanted)) continue;
            matched++;
            String id = id(item.at(JsonPointer.compile(e.id())), i);
            if (forbidden != null) {
                String on = text(item.at(JsonPointer.compile(e.outsideField())));
                if (on == null) {
                    notes.add(id + " does not say where it is stored (" + e.outsideField() + ")");
                    continue;
                }
                if (CanonicalId.of(on).equals(forbidden)) {
                    notes.add(id + " is stored on " + clean(on) + " itself");
                    continue;
                }
            }
            String created = text(item.at(JsonPointer.compile(e.createdAt())));
            Instant at = created == null ? null : instant(created);
            if (at == null) {
                notes.add(id + " has no RFC 3339 date-time at " + e.createdAt());
                continue;
            }
            if (at.isAfter(now.plus(MAX_FUTURE_SKEW))) {
                notes.add(id + " is dated in the future (" + clean(created) + ")");
                continue;
            }
            Duration age = at.isAfter(now) ? Duration.ZERO : Duration.between(at, now);
            if (age.compareTo(e.youngerThan()) >= 0) {
                notes.add(id + " is " + Precondition.text(age) + " old");
                continue;
            }
            if (bestAge == null || age.compareTo(bestAge) < 0) {
                best = id;
                bestAge = age;
            }
        }
        if (best != null) return PreconditionResult.passed(p, resource, best, bestAge);
        StringBuilder why = new StringBuilder("nothing in ").append(e.list()).append(" of provider ").append(p.provider())
                .append(" for ").append(resource).append(" is younger than ").append(Precondition.text(e.youngerThan()));
        if (forbidden != null) why.append(" and stored outside ").append(clean(Precondition.fill(e.outsideNotEquals(), resource)));
        why.append(" (").append(matched == 0 ? "no item matches " + e.matchField() + " = " + clean(wanted)
                : matched + " matched: " + String.join("; ", notes.subList(0, Math.min(MAX_NOTES, notes.size())))
                + (notes.size() > MAX_NOTES ? "; and " + (notes.size() - MAX_NOTES) + " more" : ""));
        if (list.size() > inspected) why.append("; only the first ").append(inspected).append(" of ").append(list.size())
                .append(" items were inspected");
        return fail(p, resource, why.append(')').toString());
    }

    private static PreconditionResult fail(Precondition p, String resource, String reason) {
        return PreconditionResult.failed(p, resource, reason);
    }

    private static boolean json(String contentType) {
        if (contentType == null) return false;
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || (type.startsWith("application/") && type.endsWith("+json"));
    }

    /** A string or a number as text; anything else (object, array, null, missing) is no value. */
    private static String text(JsonNode n) {
        return n.isTextual() || n.isNumber() ? n.asText() : null;
    }

    /**
     * RFC 3339 §5.6 date-time: a full date, a time and an offset (Z or ±hh:mm). A date without an offset is refused:
     * "2026-12-07T03:00" means a different instant in every time zone.
     */
    private static Instant instant(String s) {
        try {
            return OffsetDateTime.parse(s.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException ex) {
            return null;
        }
    }

    private static String id(JsonNode n, int index) {
        String s = text(n);
        return s == null ? "item " + index : clean(s);
    }

    /**
     * Provider text shown to approvers and written to the audit log: printable ASCII only, cut short, so an item id
     * cannot forge a line in a log or smuggle markup into a page (the page escapes text as well).
     */
    static String clean(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < MAX_ID_CHARS; i++) {
            char c = s.charAt(i);
            out.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return s.length() > MAX_ID_CHARS ? out + "..." : out.toString();
    }
}
