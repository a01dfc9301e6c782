package dev.airlock.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A scrape of {@code /metrics} as Prometheus reads it (text format 0.0.4): one sample per line, {@code name{labels}
 * value}; comments skipped. Parsed by the test itself, so the server's own writer is not trusted to read itself.
 */
public record Scrape(String text, Map<String, Double> samples) {
    public static Scrape of(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return new Scrape(text, samples);
    }

    /** The value of {@code name{k="v",...}} with exactly these labels, in the order given (Micrometer sorts by key). */
    public Optional<Double> value(String name, String... labels) {
        StringBuilder key = new StringBuilder(name);
        if (labels.length > 0) {
            key.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (i > 0) key.append(',');
                key.append(labels[i]).append("=\"").append(labels[i + 1]).append('"');
            }
            key.append('}');
        }
        return Optional.ofNullable(samples.get(key.toString()));
    }

    public double valueOrZero(String name, String... labels) {
        return value(name, labels).orElse(0.0);
    }

    /** Every label section ({@code {...}}) of every sample, joined: what a label could leak. */
    public String allLabels() {
        StringBuilder out = new StringBuilder();
        for (String series : samples.keySet()) {
            int open = series.indexOf('{');
            if (open >= 0) out.append(series, open, series.length()).append('\n');
        }
        return out.toString();
    }
}
