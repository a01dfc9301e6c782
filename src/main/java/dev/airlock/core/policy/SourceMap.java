package dev.airlock.core.policy;

import java.util.HashMap;
import java.util.Map;

/**
 * Where each named thing of a loaded policy was written. {@link Policy} is a plain value without positions;
 * the linter uses this to point its own findings at the right line.
 */
final class SourceMap {
    record Location(String file, int line, String path) {}

    private final Map<String, Location> locations = new HashMap<>();

    static String environment(String name) {
        return "environment/" + name;
    }

    static String scope(String name) {
        return "scope/" + name;
    }

    static String resource(String environment, String pattern) {
        return "resource/" + environment + "/" + pattern;
    }

    static String agent(String id) {
        return "agent/" + id;
    }

    static String agentEnvironment(String id, String environment) {
        return "agent/" + id + "/" + environment;
    }

    static String grantEnvironment(String environment) {
        return "grants/" + environment;
    }

    void put(String key, String file, int line, String path) {
        locations.putIfAbsent(key, new Location(file, line, path));
    }

    /** The location, or the given file without a line when the thing was never seen (a policy built in code). */
    Location get(String key, String fallbackFile, String fallbackPath) {
        return locations.getOrDefault(key, new Location(fallbackFile, 0, fallbackPath));
    }
}
