package dev.airlock.core.policy;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Where to announce grant events, from {@code grants.yaml}. Exactly one of {@code url} and {@code urlEnv} is set:
 * {@code urlEnv} names an environment variable holding the URL, so a URL that embeds a token (Slack's do) never
 * lands in git.
 *
 * @param url    an absolute http or https URL, or null
 * @param urlEnv the name of an environment variable holding such a URL, or null
 * @param events the events to send, a non-empty subset of {@link #EVENTS}, in that order
 */
public record Webhook(String url, String urlEnv, Set<String> events) {
    /** Every grant event, in lifecycle order; the default when a webhook lists none. */
    public static final List<String> EVENTS = List.of("created", "approved", "denied", "expired", "redeemed", "cancelled");
    /** POSIX-style environment variable names. */
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    public Webhook {
        if ((url == null) == (urlEnv == null)) throw new IllegalArgumentException("exactly one of url and urlEnv must be set");
        if (url != null && urlProblem(url) != null) throw new IllegalArgumentException(urlProblem(url));
        if (urlEnv != null && !ENV_NAME.matcher(urlEnv).matches()) {
            throw new IllegalArgumentException("malformed environment variable name '" + urlEnv + "'");
        }
        if (events == null || events.isEmpty()) throw new IllegalArgumentException("a webhook needs at least one event");
        Set<String> ordered = new LinkedHashSet<>();
        for (String e : EVENTS) {
            if (events.contains(e)) ordered.add(e);
        }
        if (ordered.size() != events.size()) {
            throw new IllegalArgumentException("unknown events in " + events + " (known: " + String.join(", ", EVENTS) + ")");
        }
        events = Collections.unmodifiableSet(ordered);
    }

    /** A webhook for every event. */
    public static Webhook forUrl(String url) {
        return new Webhook(url, null, Set.copyOf(EVENTS));
    }

    public boolean wants(String event) {
        return events.contains(event);
    }

    /**
     * The URL to post to: {@link #url}, or the value of {@link #urlEnv} looked up with {@code getenv}
     * ({@code System::getenv} in production). Empty when that variable is unset, blank, or not an http(s) URL:
     * the caller should log that (by variable name, never value) and skip the webhook.
     */
    public Optional<String> resolveUrl(Function<String, String> getenv) {
        if (url != null) return Optional.of(url);
        String value = getenv.apply(urlEnv);
        if (value == null) return Optional.empty();
        value = value.strip();
        return value.isEmpty() || urlProblem(value) != null ? Optional.empty() : Optional.of(value);
    }

    /** Never prints a URL's path or query: a webhook URL is often a bearer secret. */
    @Override
    public String toString() {
        String target = urlEnv != null ? "url_env=" + urlEnv : "url=" + redacted(url);
        return "Webhook[" + target + ", events=" + events + "]";
    }

    /** Why {@code s} is not a usable webhook URL, or null if it is one. */
    static String urlProblem(String s) {
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            return "malformed url (must be an absolute http or https URL, like https://hooks.example.com/airlock)";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            return "malformed url (must be an absolute http or https URL, like https://hooks.example.com/airlock)";
        }
        if (uri.getRawUserInfo() != null) {
            return "url has credentials in it: secrets never live in policy; put the URL in an environment variable"
                    + " and name it with url_env";
        }
        return null;
    }

    private static String redacted(String url) {
        URI uri = URI.create(url);
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + "/...";
    }
}
