package dev.airlock.core.proxy;

import java.net.URI;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One provider from {@code scopes/providers/<name>.yaml}: where requests go, the credential Airlock adds on the
 * way, and the mapper that says what each request does.
 *
 * @param name       the file name without {@code .yaml}; the proxy serves it at {@code /proxy/<name>/...}
 * @param kind       how requests are mapped
 * @param upstream   absolute http(s) base URL without user info, query or fragment, and without a trailing '/';
 *                   a request's raw path is appended to it; for {@code kind: mcp}, the upstream MCP endpoint itself
 * @param credential where the real credential is read from
 * @param injection  how it is put on the forwarded request
 * @param mapper     a {@link RestMapper}, {@link GraphQlMapper} or {@link McpMapper}, as {@code kind} says
 * @param credentialPatterns what its credentials look like, for {@code airlock scan} only; {@link CredentialPatterns#NONE}
 */
public record Provider(String name, Kind kind, URI upstream, CredentialSource credential, Injection injection,
                       RequestMapper mapper, CredentialPatterns credentialPatterns) {
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    public enum Kind {
        REST, GRAPHQL, MCP;

        public String keyword() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Provider {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) throw new IllegalArgumentException("malformed provider name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(injection, "injection");
        Objects.requireNonNull(mapper, "mapper");
        Objects.requireNonNull(credentialPatterns, "credentialPatterns");
        if (kind == Kind.REST != mapper instanceof RestMapper || kind == Kind.GRAPHQL != mapper instanceof GraphQlMapper
                || kind == Kind.MCP != mapper instanceof McpMapper) {
            throw new IllegalArgumentException("a " + kind.keyword() + " provider needs the matching mapper");
        }
    }

    /** A provider without {@code credential_patterns}. */
    public Provider(String name, Kind kind, URI upstream, CredentialSource credential, Injection injection,
                    RequestMapper mapper) {
        this(name, kind, upstream, credential, injection, mapper, CredentialPatterns.NONE);
    }

    /** Maps one request; see {@link RequestMapper}. */
    public MappingResult map(ProxyRequest request) {
        return mapper.map(request);
    }
}
