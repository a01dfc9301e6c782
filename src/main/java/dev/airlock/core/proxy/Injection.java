package dev.airlock.core.proxy;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How the provider's credential is put on a forwarded request: {@code inject: {header: Authorization, template:
 * "Bearer {credential}"}}. The proxy removes whatever the agent sent under this header before setting it.
 */
public record Injection(String header, String prefix, String suffix) {
    public static final String PLACEHOLDER = "{credential}";
    /** RFC 9110 §5.6.2 token. */
    static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
    /** Text around the placeholder: a scheme like {@code Bearer } or {@code token }, not a place to hide a secret. */
    static final Pattern AROUND = Pattern.compile("[ -~&&[^{}]]{0,32}");
    /** Headers that frame or route the message; a credential there would break HTTP, not authenticate. */
    static final Set<String> FORBIDDEN = Set.of("host", "content-length", "transfer-encoding", "connection",
            "keep-alive", "te", "trailer", "upgrade", "proxy-connection", "content-type", "cookie", "set-cookie");

    public Injection {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(suffix, "suffix");
        String problem = headerProblem(header);
        if (problem != null) throw new IllegalArgumentException(problem);
        if (!AROUND.matcher(prefix).matches() || !AROUND.matcher(suffix).matches()) {
            throw new IllegalArgumentException("the template's text around " + PLACEHOLDER + " is malformed");
        }
    }

    /**
     * @throws IllegalArgumentException unless the template holds {@value #PLACEHOLDER} exactly once with at most
     *                                  32 printable characters around it. The message never quotes the template,
     *                                  which may be a pasted secret.
     */
    public static Injection of(String header, String template) {
        int at = template.indexOf(PLACEHOLDER);
        if (at < 0 || template.indexOf(PLACEHOLDER, at + 1) >= 0) {
            throw new IllegalArgumentException("the template must contain " + PLACEHOLDER + " exactly once");
        }
        String prefix = template.substring(0, at);
        String suffix = template.substring(at + PLACEHOLDER.length());
        if (!AROUND.matcher(prefix).matches() || !AROUND.matcher(suffix).matches()) {
            throw new IllegalArgumentException("the template may have at most 32 printable characters (no braces) on"
                    + " each side of " + PLACEHOLDER + ", such as 'Bearer '");
        }
        return new Injection(header, prefix, suffix);
    }

    /** Why {@code header} cannot carry a credential, or null if it can. */
    static String headerProblem(String header) {
        if (!HEADER.matcher(header).matches()) return "malformed header name (must match " + HEADER.pattern() + ")";
        if (FORBIDDEN.contains(header.toLowerCase(Locale.ROOT))) return "header " + header + " cannot carry a credential";
        return null;
    }

    /** The header value for a credential from {@link CredentialSource#resolve}. */
    public String render(String credential) {
        for (int i = 0; i < credential.length(); i++) {
            char c = credential.charAt(i);
            // CR or LF would end the header and start another (response splitting's request-side twin).
            if (c < 0x20 || c > 0x7E) throw new IllegalArgumentException("the credential holds a character that cannot go in a header");
        }
        return prefix + credential + suffix;
    }

    /** The template as written, with the placeholder: safe to show, it holds no credential. */
    public String template() {
        return prefix + PLACEHOLDER + suffix;
    }
}
