package dev.airlock.core.grant;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One page of a grant list, newest first (issue 13, finding 7: an unpaged {@code GET /v1/grants?status=cancelled} ran
 * the server out of memory). The cursor is opaque to clients: it names the last grant returned (creation time and
 * id, the list's order), so a page is stable while grants are added or forgotten, and costs no server-side state.
 *
 * @param nextCursor where the next page starts, or null when this is the last page
 */
public record GrantPage(List<Grant> grants, String nextCursor) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;
    /** Longer than any cursor we issue; a longer one is refused before it is decoded. */
    public static final int MAX_CURSOR = 200;
    private static final Pattern POSITION = Pattern.compile("g1:(-?\\d{1,19}):(gr_[A-Za-z0-9_-]{1,64})");
    static final Comparator<Grant> NEWEST_FIRST = Comparator.comparing(Grant::createdAt).thenComparing(Grant::id).reversed();

    public GrantPage {
        grants = List.copyOf(grants);
    }

    /** What a client asked for; {@code cursor} null for the first page. Checked on construction. */
    public record Request(String cursor, int limit) {
        public Request {
            if (limit < 1 || limit > MAX_LIMIT) throw new Invalid("limit must be between 1 and " + MAX_LIMIT);
            if (cursor != null) position(cursor);
        }

        public static Request first() {
            return new Request(null, DEFAULT_LIMIT);
        }
    }

    /** A limit or cursor the client must correct: a 400, never a 500. */
    public static final class Invalid extends IllegalArgumentException {
        public Invalid(String message) {
            super(message);
        }
    }

    /** The page of {@code all} (any order) that {@code req} asks for, among the grants {@code keep} accepts. */
    static GrantPage of(List<Grant> all, Predicate<Grant> keep, Request req) {
        Position after = req.cursor() == null ? null : position(req.cursor());
        List<Grant> sorted = new ArrayList<>(all);
        sorted.sort(NEWEST_FIRST);
        List<Grant> out = new ArrayList<>();
        for (Grant g : sorted) {
            if (after != null && !after.before(g)) continue;
            if (!keep.test(g)) continue;
            if (out.size() == req.limit()) return new GrantPage(out, cursorAfter(out.get(out.size() - 1)));
            out.add(g);
        }
        return new GrantPage(out, null);
    }

    static String cursorAfter(Grant g) {
        String raw = "g1:" + g.createdAt().toEpochMilli() + ":" + g.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.US_ASCII));
    }

    private record Position(long createdMillis, String id) {
        /** True if {@code g} comes after this position in newest-first order. */
        boolean before(Grant g) {
            long t = g.createdAt().toEpochMilli();
            return t < createdMillis || (t == createdMillis && g.id().compareTo(id) < 0);
        }
    }

    private static Position position(String cursor) {
        if (cursor.length() > MAX_CURSOR) throw new Invalid("cursor is not one this server issued");
        String raw;
        try {
            raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new Invalid("cursor is not one this server issued");
        }
        Matcher m = POSITION.matcher(raw);
        if (!m.matches()) throw new Invalid("cursor is not one this server issued");
        try {
            return new Position(Long.parseLong(m.group(1)), m.group(2));
        } catch (NumberFormatException e) {
            throw new Invalid("cursor is not one this server issued");
        }
    }

}
