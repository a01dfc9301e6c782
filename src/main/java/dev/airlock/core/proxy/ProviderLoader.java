package dev.airlock.core.proxy;

import dev.airlock.core.policy.Policy;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyProblem;
import dev.airlock.core.policy.StrictYaml;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads a providers folder ({@code scopes/providers/}, one {@code <name>.yaml} per provider) against a loaded
 * {@link Policy}, or fails with every problem found, each with file, line and field path, exactly like the
 * policy loader: unknown keys, unknown scopes, a credential written into the file, ambiguous rules. A missing
 * folder means no providers; a broken one stops the server at start, not at the first proxied call.
 */
public final class ProviderLoader {
    static final List<String> REQUIRED = List.of("kind", "upstream", "credential", "inject", "rules");
    static final List<String> OPTIONAL = List.of("description", "endpoint", "introspection_scope", "ids",
            "credential_patterns");
    /** A {@code kind: mcp} file: tools instead of rules, no GraphQL keys. */
    static final List<String> MCP_REQUIRED = List.of("kind", "upstream", "credential", "inject", "tools");
    static final List<String> MCP_OPTIONAL = List.of("description", "ids", "credential_patterns");
    /** Keys someone might use to paste the credential itself into the file. */
    static final Pattern SECRET_KEY = Pattern.compile("(?i).*(value|literal|token|secret|pass|key|bearer|auth|cred).*");
    static final int MAX_RULES = 500;

    private ProviderLoader() {}

    /** The items of a {@code rules} list, or null (reported) if it is not a list, is empty or is too long. */
    static List<StrictYaml.Node> ruleItems(StrictYaml.Node node) {
        List<StrictYaml.Node> items = node.list();
        if (items == null) return null;
        if (items.isEmpty()) {
            node.error("no rules: a provider without rules refuses every request; add rules or remove the file");
            return null;
        }
        if (items.size() > MAX_RULES) {
            node.error("more than " + MAX_RULES + " rules");
            return null;
        }
        return items;
    }

    /**
     * @param dir    the providers folder; absent means no providers
     * @param policy the loaded policy whose scopes the rules must name
     * @throws PolicyException UNREADABLE if a file cannot be read as YAML, INVALID if one says something wrong
     */
    public static Providers load(Path dir, Policy policy) throws PolicyException {
        Providers providers = folder(dir, policy);
        // grants.yaml's preconditions name providers and send requests through their rules: checked here, where both
        // are known, so a precondition that could not run (or would not only read) stops the server at start.
        List<PolicyProblem> problems = PreconditionRequests.check(policy, providers);
        if (!problems.isEmpty()) throw new PolicyException(PolicyException.Kind.INVALID, problems);
        return providers;
    }

    private static Providers folder(Path dir, Policy policy) throws PolicyException {
        if (!Files.exists(dir)) return Providers.none();
        String folder = dir.getFileName() == null ? "providers" : dir.getFileName().toString();
        if (!Files.isDirectory(dir)) {
            throw new PolicyException(PolicyException.Kind.UNREADABLE,
                    List.of(new PolicyProblem(folder, 0, "", "not a folder")));
        }
        List<PolicyProblem> unreadable = new ArrayList<>();
        List<PolicyProblem> invalid = new ArrayList<>();
        Map<String, StrictYaml> files = new LinkedHashMap<>();
        for (String fileName : list(dir, folder, unreadable)) {
            boolean yaml = fileName.endsWith(".yaml") || fileName.endsWith(".yml");
            if (!yaml) continue; // a README beside the providers is fine
            String display = folder + "/" + fileName;
            String name = fileName.substring(0, fileName.lastIndexOf('.'));
            if (!Files.isRegularFile(dir.resolve(fileName))) {
                invalid.add(new PolicyProblem(display, 0, "", "not a regular file"));
                continue;
            }
            if (!Provider.NAME.matcher(name).matches()) {
                invalid.add(new PolicyProblem(display, 0, "", "malformed provider name '" + name + "': the file name"
                        + " is the provider's name and must match " + Provider.NAME.pattern()));
                continue;
            }
            if (files.containsKey(name)) {
                invalid.add(new PolicyProblem(display, 0, "", "provider '" + name + "' is defined by two files"));
                continue;
            }
            StrictYaml doc = StrictYaml.read(dir.resolve(fileName), display, unreadable, invalid);
            files.put(name, doc);
        }
        if (!unreadable.isEmpty()) {
            List<PolicyProblem> all = new ArrayList<>(unreadable);
            all.addAll(invalid);
            throw new PolicyException(PolicyException.Kind.UNREADABLE, all);
        }
        List<Provider> providers = new ArrayList<>();
        for (Map.Entry<String, StrictYaml> e : files.entrySet()) {
            Provider p = read(e.getKey(), e.getValue(), policy);
            if (p != null) providers.add(p);
        }
        if (!invalid.isEmpty()) throw new PolicyException(PolicyException.Kind.INVALID, sorted(invalid));
        return new Providers(providers);
    }

    /** By file, then line, so the report reads top to bottom. */
    private static List<PolicyProblem> sorted(List<PolicyProblem> problems) {
        List<PolicyProblem> out = new ArrayList<>(problems);
        out.sort(Comparator.comparing(PolicyProblem::file).thenComparingInt(PolicyProblem::line));
        return out;
    }

    private static TreeSet<String> list(Path dir, String folder, List<PolicyProblem> unreadable) {
        TreeSet<String> names = new TreeSet<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) names.add(p.getFileName().toString());
        } catch (IOException e) {
            unreadable.add(new PolicyProblem(folder, 0, "", "cannot list: " + e.getMessage()));
        }
        return names;
    }

    /** One provider, or null when it has problems (all reported). */
    private static Provider read(String name, StrictYaml doc, Policy policy) {
        boolean mcp = doc.root().isMap() && doc.root().keys().stream()
                .anyMatch(k -> k.name().equals("kind") && "mcp".equals(k.value().text()));
        StrictYaml.Fields top = mcp ? doc.root().fields(MCP_REQUIRED, MCP_OPTIONAL) : doc.root().fields(REQUIRED, OPTIONAL);
        if (top == null) return null;
        Provider.Kind kind = kind(top);
        URI upstream = top.get("upstream") == null ? null : upstream(top.get("upstream"));
        CredentialSource credential = top.get("credential") == null ? null : credential(top.get("credential"));
        Injection injection = top.get("inject") == null ? null : injection(top.get("inject"));
        IdSyntax ids = top.get("ids") == null ? IdSyntax.DEFAULT : ids(top.get("ids"), policy);
        CredentialPatterns patterns = top.get("credential_patterns") == null ? CredentialPatterns.NONE
                : CredentialPatternsSection.read(top.get("credential_patterns"));
        RequestMapper mapper = null;
        if (kind == Provider.Kind.REST) {
            for (String key : List.of("endpoint", "introspection_scope")) {
                if (top.get(key) != null) top.get(key).error(key + " is only for kind: graphql");
            }
            List<RestRule> rules = top.get("rules") == null ? null : RestRulesSection.read(top.get("rules"), policy);
            if (rules != null && ids != null) mapper = new RestMapper(name, rules, ids,
                    scope -> policy.scope(scope).map(dev.airlock.core.policy.Scope::destructive).orElse(false));
        } else if (kind == Provider.Kind.GRAPHQL) {
            String endpoint = endpoint(top);
            String introspection = top.get("introspection_scope") == null ? null
                    : knownScope(top.get("introspection_scope"), policy);
            List<GraphQlRule> rules = top.get("rules") == null ? null : GraphQlRulesSection.read(top.get("rules"), policy);
            boolean introspectionOk = top.get("introspection_scope") == null || introspection != null;
            if (rules != null && endpoint != null && introspectionOk && ids != null) {
                mapper = new GraphQlMapper(name, endpoint, rules, introspection, ids);
            }
        } else if (kind == Provider.Kind.MCP) {
            List<McpRule> tools = top.get("tools") == null ? null : McpToolsSection.read(top.get("tools"), policy);
            if (tools != null && ids != null) mapper = new McpMapper(name, tools, ids,
                    scope -> policy.scope(scope).map(dev.airlock.core.policy.Scope::destructive).orElse(false));
        }
        if (kind == null || upstream == null || credential == null || injection == null || mapper == null
                || patterns == null) return null;
        return new Provider(name, kind, upstream, credential, injection, mapper, patterns);
    }

    /**
     * {@code ids: {volume: "vol-[a-z0-9]+", db: "db-[a-z0-9-]+"}}: the syntax of this provider's ids per resource
     * type (see {@link IdSyntax}); or null (reported) when a type is unknown or a pattern is not acceptable.
     */
    private static IdSyntax ids(StrictYaml.Node node, Policy policy) {
        if (!node.isMap()) {
            node.error("ids must map resource types to id patterns, such as ids: {volume: \"vol-[a-z0-9]+\"}, not "
                    + node.kind());
            return null;
        }
        TreeSet<String> types = new TreeSet<>();
        policy.scopes().forEach(s -> types.add(s.resourceType()));
        Map<String, String> patterns = new LinkedHashMap<>();
        boolean ok = true;
        List<StrictYaml.Key> keys = node.keys();
        if (keys.size() > IdSyntax.MAX_TYPES) {
            node.error("more than " + IdSyntax.MAX_TYPES + " types");
            return null;
        }
        for (StrictYaml.Key key : keys) {
            StrictYaml.Node value = key.value();
            if (!types.contains(key.name())) {
                value.error(key.line(), value.path(), "'" + key.name() + "' is not the resource type of any scope"
                        + " (known: " + String.join(", ", types) + ")");
                ok = false;
                continue;
            }
            String pattern = value.string();
            if (pattern == null) {
                ok = false;
                continue;
            }
            String problem = IdSyntax.problem(pattern);
            if (problem != null) {
                value.error("id syntax for " + key.name() + " refused: " + problem);
                ok = false;
                continue;
            }
            patterns.put(key.name(), pattern);
        }
        return ok ? IdSyntax.of(patterns) : null;
    }

    private static Provider.Kind kind(StrictYaml.Fields top) {
        StrictYaml.Node node = top.get("kind");
        if (node == null) return null;
        String s = node.string();
        if (s == null) return null;
        return switch (s) {
            case "rest" -> Provider.Kind.REST;
            case "graphql" -> Provider.Kind.GRAPHQL;
            case "mcp" -> Provider.Kind.MCP;
            default -> {
                node.error("kind must be rest, graphql or mcp, not '" + s + "'");
                yield null;
            }
        };
    }

    /**
     * An absolute http(s) URL with a host and nothing that could carry a secret or change per request: user info,
     * query and fragment are refused, and the URL is never quoted back (it may hold a pasted token).
     */
    private static URI upstream(StrictYaml.Node node) {
        String s = node.text();
        if (s == null) {
            node.error("expected a URL, got " + node.kind());
            return null;
        }
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            node.error("not a valid URL");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
            node.error("the upstream must be an absolute http or https URL with a host");
            return null;
        }
        if (uri.getRawUserInfo() != null) {
            node.error("the upstream URL must not contain user info: a credential belongs under credential:");
            return null;
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            node.error("the upstream URL must not have a query or fragment (a token in a query string is still a token)");
            return null;
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        try {
            if (!path.isEmpty()) RequestChecks.segments(path);
        } catch (Refusal r) {
            node.error("the upstream path is ambiguous: " + r.getMessage());
            return null;
        }
        return URI.create(scheme + "://" + uri.getRawAuthority() + path);
    }

    private static CredentialSource credential(StrictYaml.Node node) {
        String how = "write credential: {env: NAME} or credential: {file: /absolute/path}";
        if (!node.isMap()) {
            // Not quoting the value: it is most likely the secret itself.
            node.error("a credential is never written into a provider file (provider files live in git); " + how);
            return null;
        }
        boolean ok = true;
        for (StrictYaml.Key key : node.keys()) {
            if (key.name().equals("env") || key.name().equals("file")) continue;
            ok = false;
            String path = key.value().path();
            if (SECRET_KEY.matcher(key.name()).matches()) {
                node.error(key.line(), path, "a credential value in a provider file is refused: provider files live"
                        + " in git; " + how);
            } else {
                node.error(key.line(), path, "unknown key '" + key.name() + "' (allowed: env, file)");
            }
        }
        if (!ok) return null;
        StrictYaml.Fields f = node.fields(List.of(), List.of("env", "file"));
        if (f == null) return null;
        StrictYaml.Node env = f.get("env");
        StrictYaml.Node file = f.get("file");
        if ((env == null) == (file == null)) {
            node.error("give exactly one of env and file");
            return null;
        }
        if (env != null) {
            String name = env.text();
            if (name == null || !CredentialSource.ENV_NAME.matcher(name).matches()) {
                env.error("must be the name of an environment variable, such as RAILWAY_TOKEN (must match "
                        + CredentialSource.ENV_NAME.pattern() + "); the credential itself never goes here");
                return null;
            }
            return new CredentialSource.FromEnv(name);
        }
        String path = file.text();
        try {
            if (path != null && Path.of(path).isAbsolute()) return new CredentialSource.FromFile(Path.of(path));
        } catch (InvalidPathException e) {
            // reported below
        }
        file.error("must be an absolute file path, such as /run/secrets/railway-token");
        return null;
    }

    private static Injection injection(StrictYaml.Node node) {
        StrictYaml.Fields f = node.fields(List.of("header", "template"), List.of());
        if (f == null) return null;
        String header = f.get("header") == null ? null : f.get("header").string();
        if (header != null) {
            String problem = Injection.headerProblem(header);
            if (problem != null) {
                f.get("header").error(problem);
                header = null;
            }
        }
        StrictYaml.Node templateNode = f.get("template");
        String template = templateNode == null ? null : templateNode.text();
        Injection checked = null;
        if (templateNode != null && template == null) {
            templateNode.error("expected a string such as \"Bearer {credential}\", got " + templateNode.kind());
        } else if (template != null) {
            try {
                // Checked with a placeholder header so a bad header does not hide a bad template.
                checked = Injection.of("Authorization", template);
            } catch (IllegalArgumentException e) {
                templateNode.error(e.getMessage());
            }
        }
        if (header == null || checked == null) return null;
        return new Injection(header, checked.prefix(), checked.suffix());
    }

    private static String endpoint(StrictYaml.Fields top) {
        StrictYaml.Node node = top.get("endpoint");
        if (node == null) {
            top.node().error("missing required key 'endpoint' (the path GraphQL is served at, such as /graphql)");
            return null;
        }
        String s = node.string();
        if (s == null) return null;
        try {
            RequestChecks.segments(s);
            PathTemplate template = PathTemplate.parse(s);
            if (!template.params().isEmpty()) throw new IllegalArgumentException("the endpoint has no {parameters}");
            return s;
        } catch (Refusal e) {
            node.error("malformed endpoint: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            node.error("malformed endpoint: " + e.getMessage());
        }
        return null;
    }

    /** A scope the policy knows, or null (reported). */
    static String knownScope(StrictYaml.Node node, Policy policy) {
        String s = node.string();
        if (s == null) return null;
        if (policy.scope(s).isEmpty()) {
            node.error("unknown scope '" + s + "' (every scope a provider names must be in scopes.yaml)");
            return null;
        }
        return s;
    }
}
