package dev.airlock.core.policy;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a policy folder ({@code environments.yaml}, {@code scopes.yaml}, {@code agents.yaml}, and the optional
 * {@code grants.yaml}) into a {@link Policy}, or fails with every problem it found. Fails closed: unknown files, unknown keys and unknown
 * references are errors, never ignored, because a policy that means something other than what its reader
 * thinks is how a staging agent ends up deleting a production volume. The {@code providers/} folder belongs
 * to the proxy and is not read here.
 */
public final class PolicyLoader {
    /** The policy files, in the order they are read and their problems reported. */
    public static final List<String> FILES = List.of(ScopesSection.FILE, EnvironmentsSection.FILE, AgentsSection.FILE,
            GrantsSection.FILE, IdentitySection.FILE);
    /** The files of {@link #FILES} a policy may leave out; the others are required. */
    public static final Set<String> OPTIONAL_FILES = Set.of(GrantsSection.FILE, IdentitySection.FILE);
    /** Hand-written policy is kilobytes; refusing megabytes bounds memory and parse time. */
    static final long MAX_FILE_BYTES = 1 << 20;

    /** A loaded policy with the positions of what it names, for the linter. */
    record Loaded(Policy policy, SourceMap where) {}

    private PolicyLoader() {}

    public static Policy load(Path dir) throws PolicyException {
        return loadLocated(dir).policy();
    }

    static Loaded loadLocated(Path dir) throws PolicyException {
        List<PolicyProblem> unreadable = new ArrayList<>();
        List<PolicyProblem> invalid = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            throw new PolicyException(PolicyException.Kind.UNREADABLE,
                    List.of(new PolicyProblem(dir.toString(), 0, "", "not a policy folder (no such directory)")));
        }
        checkNoUnknownFiles(dir, unreadable, invalid);
        Map<String, YamlNode> roots = new LinkedHashMap<>();
        for (String file : FILES) {
            YamlNode root = parse(dir, file, unreadable);
            if (root != null) roots.put(file, root);
        }
        if (!unreadable.isEmpty()) {
            // Semantic checks on a partial policy would report consequences of the unreadable file, not causes.
            List<PolicyProblem> all = new ArrayList<>(unreadable);
            all.addAll(invalid);
            throw new PolicyException(PolicyException.Kind.UNREADABLE, all);
        }

        SourceMap where = new SourceMap();
        ScopesSection.Catalog catalog = ScopesSection.read(
                roots.get(ScopesSection.FILE), new StrictReader(ScopesSection.FILE, invalid), where);
        Map<String, Scope> scopes = catalog.scopes();
        Set<String> scopeTypes = null;
        if (catalog.complete()) {
            scopeTypes = new HashSet<>();
            for (Scope s : scopes.values()) scopeTypes.add(s.resourceType());
        }
        Map<String, Environment> environments = EnvironmentsSection.read(
                roots.get(EnvironmentsSection.FILE), new StrictReader(EnvironmentsSection.FILE, invalid), scopeTypes, where);
        List<Agent> agents = AgentsSection.read(
                roots.get(AgentsSection.FILE), new StrictReader(AgentsSection.FILE, invalid), environments, catalog, where);
        GrantsSection.Grants grants = GrantsSection.read(
                roots.get(GrantsSection.FILE), new StrictReader(GrantsSection.FILE, invalid), environments, scopes, where);
        Set<String> agentIds = new HashSet<>();
        for (Agent a : agents) agentIds.add(a.id());
        List<TrustedIssuer> issuers = IdentitySection.read(roots.get(IdentitySection.FILE),
                new StrictReader(IdentitySection.FILE, invalid), agentIds);
        if (!invalid.isEmpty()) throw new PolicyException(PolicyException.Kind.INVALID, sorted(invalid));
        // A missing environments list is always reported above; this only guards that invariant.
        if (environments == null) throw new IllegalStateException("environments.yaml unread but no problem reported");
        return new Loaded(new Policy(environments.values(), scopes.values(), agents, grants.rules(), grants.webhooks(),
                grants.limits(), grants.adminGroups(), grants.preconditions(), issuers), where);
    }

    /** Problems grouped by file in reading order, then by line, so the report reads top to bottom. */
    private static List<PolicyProblem> sorted(List<PolicyProblem> problems) {
        List<PolicyProblem> out = new ArrayList<>(problems);
        out.sort(Comparator.comparingInt((PolicyProblem p) -> FILES.indexOf(p.file())).thenComparingInt(PolicyProblem::line));
        return out;
    }

    /**
     * A policy file we do not know (a typo such as {@code agent.yaml}, or a file meant for a newer version)
     * would otherwise be silently ignored: the author believes it applies, and it does not.
     */
    private static void checkNoUnknownFiles(Path dir, List<PolicyProblem> unreadable, List<PolicyProblem> invalid) {
        Set<String> names = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) names.add(p.getFileName().toString());
        } catch (IOException e) {
            unreadable.add(new PolicyProblem(dir.toString(), 0, "", "cannot list policy folder: " + e.getMessage()));
            return;
        }
        for (String name : names) {
            boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
            if (yaml && !FILES.contains(name) && !Files.isDirectory(dir.resolve(name))) {
                invalid.add(new PolicyProblem(name, 0, "", "unknown policy file (expected only "
                        + String.join(", ", FILES) + " and the providers/ folder)"));
            }
        }
    }

    private static YamlNode parse(Path dir, String file, List<PolicyProblem> unreadable) {
        Path path = dir.resolve(file);
        if (!Files.exists(path) && OPTIONAL_FILES.contains(file)) return null;
        if (!Files.isRegularFile(path)) {
            unreadable.add(new PolicyProblem(file, 0, "",
                    OPTIONAL_FILES.contains(file) ? "not a regular file" : "missing required policy file"));
            return null;
        }
        String text;
        try {
            if (Files.size(path) > MAX_FILE_BYTES) {
                unreadable.add(new PolicyProblem(file, 0, "", "larger than " + MAX_FILE_BYTES + " bytes"));
                return null;
            }
            // Strict decoding: a stray Latin-1 byte is an error, not a replacement character in a scope name.
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(path))).toString();
        } catch (CharacterCodingException e) {
            unreadable.add(new PolicyProblem(file, 0, "", "not valid UTF-8"));
            return null;
        } catch (IOException e) {
            unreadable.add(new PolicyProblem(file, 0, "", "cannot read: " + e.getMessage()));
            return null;
        }
        try {
            YamlNode root = YamlTree.parse(text);
            // An empty file parses, but has nothing in it: that is a wrong policy, not an unreadable one.
            return root != null ? root : new YamlNode.ScalarNode("", YamlNode.ScalarNode.Kind.NULL, 1, 1);
        } catch (YamlTree.SyntaxError e) {
            unreadable.add(new PolicyProblem(file, e.line(), "", e.getMessage()));
            return null;
        }
    }
}
