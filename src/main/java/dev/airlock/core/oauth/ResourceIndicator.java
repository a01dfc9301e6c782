package dev.airlock.core.oauth;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The one comparison form of an RFC 8707 {@code resource} that names an HTTP resource (an MCP gateway's URL): scheme and
 * host lower case (RFC 3986 §6.2.2.1), the scheme's default port dropped (§6.2.3), no trailing '/' (MCP authorization,
 * "Canonical Server URI": the form without it is the canonical one). Nothing else is normalised: percent-encoding,
 * dot segments, user info, a query or a fragment make the value not a gateway's (RFC 8707 §2 forbids a fragment), so it
 * is refused as {@code invalid_target} rather than guessed at.
 */
public final class ResourceIndicator {
    private ResourceIndicator() {}

    /** The canonical form, or null when {@code value} is not a plain absolute http(s) URL. */
    public static String canonical(String value) {
        if (value == null || value.length() > 2048) return null;
        URI u;
        try {
            u = new URI(value);
        } catch (URISyntaxException e) {
            return null;
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || u.getRawAuthority() == null || u.getHost() == null
                || u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null) {
            return null;
        }
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        if (path.contains("%") || path.contains("/./") || path.contains("/../") || path.endsWith("/.")
                || path.endsWith("/..") || path.contains("//")) {
            return null;
        }
        if (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        int port = u.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port) + path;
    }
}
