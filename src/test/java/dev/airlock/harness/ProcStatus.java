package dev.airlock.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory of a process as Linux reports it in {@code /proc/<pid>/status}: resident set now, and its peak. */
public record ProcStatus(long rssKib, long peakRssKib) {
    public static ProcStatus of(long pid) {
        try {
            long rss = -1;
            long hwm = -1;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) rss = kib(line);
                if (line.startsWith("VmHWM:")) hwm = kib(line);
            }
            return new ProcStatus(rss, hwm);
        } catch (IOException e) {
            return new ProcStatus(-1, -1);
        }
    }

    /**
     * The live Java heap: {@code jcmd PID GC.run}, then the used size of every heap generation from
     * {@code jcmd PID GC.heap_info}, in MiB; -1 if jcmd cannot attach. RSS mostly shows how much of the committed heap
     * the collector has touched so far; what is still reachable after a full collection is what a leak would grow.
     */
    public static long liveHeapMib(long pid) {
        try {
            jcmd(pid, "GC.run");
            long kib = 0;
            java.util.regex.Pattern used = java.util.regex.Pattern.compile("(generation|heap)\\s+total \\d+K, used (\\d+)K");
            for (String line : jcmd(pid, "GC.heap_info").split("\\R")) {
                java.util.regex.Matcher m = used.matcher(line);
                if (m.find()) kib += Long.parseLong(m.group(2));
            }
            return kib == 0 ? -1 : kib / 1024;
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(out);
        return out;
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    public long rssMib() {
        return rssKib / 1024;
    }

    public long peakMib() {
        return peakRssKib / 1024;
    }

    @Override
    public String toString() {
        return rssMib() + " MiB (peak " + peakMib() + " MiB)";
    }
}
