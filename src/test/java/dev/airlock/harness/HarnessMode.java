package dev.airlock.harness;

import java.nio.file.Path;

/**
 * How big a harness run is. {@code -Dairlock.harness=full} is the full run (bench/crash.sh, bench/hostile.sh); anything
 * else is the small one that {@code mvn verify} runs on every push. {@code -Dairlock.seed=N} replays a run;
 * {@code -Dairlock.harness.results=FILE} writes its Markdown report there.
 */
public final class HarnessMode {
    private HarnessMode() {}

    public static boolean full() {
        return "full".equals(System.getProperty("airlock.harness"));
    }

    /** The small runs in {@code mvn verify} use this seed unless told otherwise, so CI is the same run every time. */
    public static final long CI_SEED = 20261124L;

    /**
     * {@code -Dairlock.seed}, or: a fixed seed for the small CI runs (a CI failure is then the same failure on every
     * rerun), a new random one for the full runs (each explores new inputs; the report prints it for replay).
     */
    public static long seed() {
        String s = System.getProperty("airlock.seed");
        if (s != null && !s.isBlank()) return Long.parseLong(s.trim());
        return full() ? new java.security.SecureRandom().nextLong() : CI_SEED;
    }

    public static int intProperty(String name, int ci, int full) {
        String v = System.getProperty(name);
        return v != null && !v.isBlank() ? Integer.parseInt(v.trim()) : full() ? full : ci;
    }

    /** Where to write the Markdown report, or null. */
    public static Path results() {
        String v = System.getProperty("airlock.harness.results");
        return v == null || v.isBlank() ? null : Path.of(v);
    }

    /** The machine, for reports: cores, memory, JDK, OS. */
    public static String machine() {
        Runtime rt = Runtime.getRuntime();
        long memKib = -1;
        try {
            for (String l : java.nio.file.Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) memKib = Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (java.io.IOException e) {
            // not Linux
        }
        String cpu = "";
        try {
            cpu = java.nio.file.Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("");
        } catch (java.io.IOException e) {
            // not Linux
        }
        return rt.availableProcessors() + " cores" + (cpu.isEmpty() ? "" : " (" + cpu + ")") + ", "
                + (memKib > 0 ? memKib / 1024 / 1024 + " GiB" : "?") + " memory, JDK " + System.getProperty("java.version")
                + " (" + System.getProperty("java.vm.name") + "), " + System.getProperty("os.name") + " "
                + System.getProperty("os.version");
    }
}
