package dev.airlock.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.policy.PolicyException;
import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.policy.PolicyProblem;
import dev.airlock.core.proxy.ProviderLoader;
import dev.airlock.core.scan.CredentialScanner;
import dev.airlock.core.scan.Finding;
import dev.airlock.core.scan.ProviderSignature;
import dev.airlock.core.scan.ScanException;
import dev.airlock.core.scan.ScanLimits;
import dev.airlock.core.scan.ScanNote;
import dev.airlock.core.scan.ScanResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code airlock scan [DIR]}: the standing credentials an agent working in DIR could read (issue 16), so that they
 * are revoked and the provider is reached through Airlock's proxy instead. The exit code is the contract, for CI and
 * an agent's start hook: 0 nothing found, 1 found, 2 could not scan. Output names file, line, kind and fingerprint,
 * never a value. See docs/scan.md.
 */
@Command(name = "scan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Find standing credentials an agent working in DIR could read: .env files, shell profiles, the"
                + " configuration files of provider and cloud CLIs, kube and docker configs, package-manager tokens,"
                + " well-known token formats, and the credential_patterns of your provider files. Prints file, line,"
                + " kind and a fingerprint, never the value, and what to do.",
                "  airlock scan . && airlock env staging --client-id coding-agent"},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:nothing found",
            "1:credentials found",
            "2:could not scan (DIR missing or unreadable, a --policy that does not load, a usage error)"})
public final class ScanCommand implements Callable<Integer> {
    static final int CLEAN = 0;
    static final int FOUND = 1;
    static final int CANNOT_SCAN = 2;
    static final String SCHEMA = "airlock-scan/1";

    @Parameters(paramLabel = "DIR", arity = "0..1", defaultValue = ".",
            description = "folder to scan (default: the current directory)")
    Path dir;

    @Option(names = "--json", description = "one JSON document on standard output (schema in docs/scan.md)")
    boolean json;

    @Option(names = "--include-home", description = "also scan the well-known credential files under the home directory"
            + " (an agent runs as its user and can read them)")
    boolean includeHome;

    @Option(names = "--home", paramLabel = "DIR", description = "the home directory for --include-home (default: $HOME)")
    Path home;

    @Option(names = "--max-files", paramLabel = "N", description = "stop after N files (default: ${DEFAULT-VALUE});"
            + " a stopped scan says so", defaultValue = "20000")
    int maxFiles;

    @Option(names = "--include-build-dirs", description = "also enter node_modules, target, build, dist, .venv, ... and"
            + " .git/objects")
    boolean includeBuildDirs;

    @Option(names = "--policy", paramLabel = "DIR", description = "policy folder whose providers/ declare"
            + " credential_patterns (default: scopes, if it exists)")
    Path policy;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (maxFiles < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--max-files must be at least 1");
        ScanResult result;
        try {
            List<ProviderSignature> providers = providers(policy);
            CredentialScanner scanner = new CredentialScanner(
                    ScanLimits.DEFAULT.withMaxFiles(maxFiles).withBuildDirs(includeBuildDirs), providers);
            result = scanner.scan(dir);
            if (includeHome) result = merge(result, scanner.scanHome(homeDir()));
        } catch (ScanException | CliFailure e) {
            if (json) out.println(write(Map.of("schema", SCHEMA, "error", e.getMessage())));
            err.println("airlock scan: " + e.getMessage());
            out.flush();
            err.flush();
            return CANNOT_SCAN;
        }
        int exit = result.findings().isEmpty() ? CLEAN : FOUND;
        if (json) out.println(write(ScanReport.json(dir.toString(), result, exit)));
        else ScanReport.human(dir.toString(), result, out);
        out.flush();
        return exit;
    }

    private Path homeDir() {
        if (home != null) return home;
        String env = System.getenv("HOME");
        return Path.of(env != null && !env.isEmpty() ? env : System.getProperty("user.home"));
    }

    /**
     * The provider files' credential patterns: from {@code --policy}, which must load; else from {@code scopes} if it
     * holds a providers folder, used only if it loads (a scan of any folder must not depend on a policy nearby).
     */
    static List<ProviderSignature> providers(Path policy) throws CliFailure {
        Path folder = policy == null ? Path.of("scopes") : policy;
        if (policy != null && !Files.isDirectory(policy)) throw new CliFailure(CANNOT_SCAN, policy + ": not a folder");
        if (!Files.isDirectory(folder.resolve("providers"))) return List.of();
        try {
            return ProviderSignature.of(ProviderLoader.load(folder.resolve("providers"), PolicyLoader.load(folder)));
        } catch (PolicyException e) {
            if (policy == null) return List.of();
            PolicyProblem first = e.problems().get(0);
            throw new CliFailure(CANNOT_SCAN, policy + " does not load (" + first.file() + ":" + first.line() + ": "
                    + first.message() + "); run airlock lint --policy " + policy);
        }
    }

    private static ScanResult merge(ScanResult a, ScanResult b) {
        List<Finding> findings = new ArrayList<>(a.findings());
        findings.addAll(b.findings());
        List<ScanNote> notes = new ArrayList<>(a.notes());
        notes.addAll(b.notes());
        return new ScanResult(findings, notes, a.filesScanned() + b.filesScanned(), a.ignored() + b.ignored(),
                a.truncated() || b.truncated());
    }

    private static String write(Object value) {
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
