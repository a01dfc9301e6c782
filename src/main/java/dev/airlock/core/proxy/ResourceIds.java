package dev.airlock.core.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What may be handed to the decision step as a resource id: the same alphabet as resource ids in
 * environments.yaml (printable ASCII, no spaces, at most 256 characters) and no '*', which is a glob there.
 * Anything else could not belong to any environment, and a look-alike id (a Unicode hyphen in {@code vol‐7f3a})
 * is refused here rather than left to a lookup that would merely find no owner.
 */
final class ResourceIds {
    static final int MAX_LENGTH = 256;
    /** Resources in one request, over all its actions: every one is checked, so the number is bounded. */
    static final int MAX_PER_REQUEST = 100;

    private ResourceIds() {}

    static String check(String value, String where) throws Refusal {
        if (value == null || value.isEmpty()) {
            throw new Refusal(MappingResult.BAD_RESOURCE, where + " is empty");
        }
        if (value.length() > MAX_LENGTH) {
            throw new Refusal(MappingResult.BAD_RESOURCE, where + " is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7E || c == '*') {
                throw new Refusal(MappingResult.BAD_RESOURCE, where + " '" + RequestChecks.printable(value)
                        + "' is not a resource id (printable ASCII without spaces or '*')");
            }
        }
        return value;
    }

    /**
     * Ids from a JSON value: a string, a whole number (GraphQL's ID accepts both), or a list of those (every
     * element is a resource). Null, absent, objects, booleans and fractions are refused.
     */
    static void fromJson(JsonNode value, String where, List<String> out) throws Refusal {
        if (value == null || value.isMissingNode() || value.isNull()) {
            throw new Refusal(MappingResult.BAD_RESOURCE, where + " is missing");
        }
        if (value.isArray()) {
            if (value.isEmpty()) throw new Refusal(MappingResult.BAD_RESOURCE, where + " is an empty list");
            for (JsonNode item : value) {
                if (item.isArray()) throw new Refusal(MappingResult.BAD_RESOURCE, where + " is a nested list");
                fromJson(item, where, out);
            }
            return;
        }
        if (value.isTextual()) {
            out.add(check(value.textValue(), where));
        } else if (value.isIntegralNumber()) {
            out.add(check(value.bigIntegerValue().toString(), where));
        } else {
            throw new Refusal(MappingResult.BAD_RESOURCE, where + " is not an id (a string or whole number)");
        }
    }
}
