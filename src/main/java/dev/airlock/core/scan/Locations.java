package dev.airlock.core.scan;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Files that hold credentials because of what they are: dotenv files, shell profiles, and the configuration files of
 * the command-line tools of common providers and clouds. Each location names its file (by its path's last segments,
 * so the rule holds at any depth: a scanned home directory and a checked-in copy alike), the syntax its lines have and
 * which keys hold a credential; the value must not be a placeholder or a reference ({@link Placeholders}).
 *
 * <p>The table is the documentation: docs/scan.md lists it row by row.
 */
final class Locations {
    /** How a line of the file names a key and a value. */
    enum Syntax { ENV, INI, YAML, JSON, NETRC, URL }

    /** A variable name that says it holds a secret: {@code *_TOKEN}, {@code *_SECRET}, {@code *_KEY}, {@code *PASSWORD*}. */
    static final Predicate<String> SECRET_NAME = name -> {
        String n = name.toUpperCase(Locale.ROOT);
        return n.endsWith("_TOKEN") || n.endsWith("_SECRET") || n.endsWith("_KEY") || n.contains("PASSWORD")
                || n.contains("PASSWD") || n.equals("TOKEN") || n.equals("SECRET");
    };

    record Location(CredentialKind kind, Predicate<String> file, Syntax syntax, Predicate<String> key) {}

    /**
     * Files whose mere presence is the finding: binary stores of a CLI's tokens, which the text scan skips. The value
     * fingerprinted is the file's content.
     */
    record Store(CredentialKind kind, Predicate<String> file) {}

    private static Predicate<String> keys(String... names) {
        Set<String> set = Set.of(names);
        return k -> set.contains(k.toLowerCase(Locale.ROOT));
    }

    /** Matches a path ({@code /}-separated, relative) that is {@code suffix} or ends with {@code /suffix}. */
    private static Predicate<String> endsWith(String... suffixes) {
        return path -> {
            for (String s : suffixes) {
                if (path.equals(s) || path.endsWith("/" + s)) return true;
            }
            return false;
        };
    }

    private static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    static final List<Location> ALL = List.of(
            new Location(CredentialKind.DOTENV_SECRET, p -> {
                String n = name(p);
                return n.equals(".env") || n.startsWith(".env.") || n.endsWith(".env") && n.length() > 4;
            }, Syntax.ENV, SECRET_NAME),
            new Location(CredentialKind.SHELL_PROFILE_SECRET, p -> Set.of(".bashrc", ".bash_profile", ".bash_login",
                    ".bash_aliases", ".profile", ".zshrc", ".zshenv", ".zprofile", ".zlogin", ".kshrc", ".cshrc",
                    ".tcshrc").contains(name(p)) || endsWith(".config/fish/config.fish").test(p), Syntax.ENV, SECRET_NAME),
            new Location(CredentialKind.AWS_CREDENTIALS_FILE, endsWith(".aws/credentials", ".aws/config"), Syntax.INI,
                    keys("aws_secret_access_key", "aws_session_token", "aws_security_token")),
            new Location(CredentialKind.GCLOUD_CREDENTIALS, p -> p.contains(".config/gcloud/") && p.endsWith(".json"),
                    Syntax.JSON, keys("private_key", "refresh_token", "access_token")),
            new Location(CredentialKind.AZURE_CREDENTIALS, p -> p.contains(".azure/") && p.endsWith(".json"), Syntax.JSON,
                    keys("secret", "accesstoken", "refreshtoken", "access_token", "refresh_token", "client_secret")),
            new Location(CredentialKind.KUBECONFIG_CREDENTIAL, p -> endsWith(".kube/config").test(p)
                    || name(p).equals("kubeconfig") || name(p).endsWith(".kubeconfig"), Syntax.YAML,
                    keys("token", "client-key-data", "password", "id-token", "refresh-token")),
            new Location(CredentialKind.DOCKER_AUTH, endsWith(".docker/config.json"), Syntax.JSON,
                    keys("auth", "identitytoken", "registrytoken")),
            new Location(CredentialKind.NPMRC_TOKEN, p -> name(p).equals(".npmrc"), Syntax.INI,
                    k -> k.endsWith("_authToken") || k.endsWith("_auth") || k.endsWith("_password")),
            new Location(CredentialKind.PYPIRC_PASSWORD, p -> name(p).equals(".pypirc"), Syntax.INI, keys("password")),
            new Location(CredentialKind.NETRC_PASSWORD, p -> name(p).equals(".netrc") || name(p).equals("_netrc"),
                    Syntax.NETRC, keys("password")),
            new Location(CredentialKind.GH_CLI_TOKEN, endsWith(".config/gh/hosts.yml"), Syntax.YAML, keys("oauth_token")),
            new Location(CredentialKind.GIT_CREDENTIALS, p -> name(p).equals(".git-credentials")
                    || endsWith(".git/config").test(p), Syntax.URL, k -> true),
            new Location(CredentialKind.TERRAFORM_TOKEN, endsWith(".terraform.d/credentials.tfrc.json"), Syntax.JSON,
                    keys("token")),
            new Location(CredentialKind.RAILWAY_CLI_TOKEN, endsWith(".railway/config.json"), Syntax.JSON,
                    keys("token", "accesstoken", "access_token")),
            new Location(CredentialKind.FLY_CLI_TOKEN, endsWith(".fly/config.yml"), Syntax.YAML, keys("access_token")),
            new Location(CredentialKind.VERCEL_CLI_TOKEN, endsWith("com.vercel.cli/auth.json"), Syntax.JSON,
                    keys("token")));

    static final List<Store> STORES = List.of(
            new Store(CredentialKind.GCLOUD_CREDENTIALS, endsWith(".config/gcloud/credentials.db",
                    ".config/gcloud/access_tokens.db")),
            new Store(CredentialKind.AZURE_CREDENTIALS, endsWith(".azure/msal_token_cache.bin")));

    /**
     * Where {@code --include-home} looks, relative to the home directory: the files above, and two folders whose
     * file names vary ({@link #HOME_DIRS}). An agent runs as its user, so all of these are readable to it.
     */
    static final List<String> HOME_FILES = List.of(".env", ".bashrc", ".bash_profile", ".bash_login", ".bash_aliases",
            ".profile", ".zshrc", ".zshenv", ".zprofile", ".zlogin", ".kshrc", ".cshrc", ".tcshrc",
            ".config/fish/config.fish", ".aws/credentials", ".aws/config", ".kube/config", ".docker/config.json",
            ".npmrc", ".pypirc", ".netrc", "_netrc", ".config/gh/hosts.yml", ".git-credentials",
            ".terraform.d/credentials.tfrc.json", ".railway/config.json", ".fly/config.yml",
            ".local/share/com.vercel.cli/auth.json", "Library/Application Support/com.vercel.cli/auth.json");
    static final List<String> HOME_DIRS = List.of(".config/gcloud", ".azure");

    private static final Pattern ENV = Pattern.compile(
            "^\\s*(?:export\\s+|setenv\\s+|set\\s+(?:-[A-Za-z]+\\s+)*)?([A-Za-z_][A-Za-z0-9_]*)(?:\\s*=\\s*|\\s+)(.*)$");
    private static final Pattern INI = Pattern.compile("^\\s*([^=#;\\[\\s][^=]*?)\\s*=\\s*(.*)$");
    private static final Pattern INI_COLON = Pattern.compile("^\\s*([A-Za-z_][A-Za-z0-9_.-]*)\\s*:\\s*(.*)$");
    private static final Pattern YAML = Pattern.compile("^\\s*(?:-\\s+)?[\"']?([A-Za-z0-9_.-]+)[\"']?\\s*:\\s+(.*)$");
    private static final Pattern JSON = Pattern.compile("\"([^\"\\\\]{1,128})\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern NETRC = Pattern.compile("(?:^|\\s)password\\s+(\\S+)");
    private static final Pattern URL = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://[^:/@\\s]+:([^@\\s/]+)@");

    private Locations() {}

    /** The location rule of the file at {@code path}, or null. */
    static Location of(String path) {
        for (Location l : ALL) {
            if (l.file().test(path)) return l;
        }
        return null;
    }

    static Store storeOf(String path) {
        for (Store s : STORES) {
            if (s.file().test(path)) return s;
        }
        return null;
    }

    /**
     * The credentials on one line of a file of this location.
     *
     * @param providerEnv the name of a provider's credential variable for a name, or null (advice: use its proxy)
     */
    static void scan(Location loc, String line, int lineNumber, java.util.function.Function<String, String> providerEnv,
                     List<Hit> out) {
        switch (loc.syntax()) {
            // A commented-out export is as readable as a live one.
            case ENV -> keyValue(loc, ENV.matcher(line.replaceFirst("^\\s*#+", "")), lineNumber, providerEnv, out);
            case INI -> {
                Matcher m = INI.matcher(line);
                keyValue(loc, m.matches() ? m : INI_COLON.matcher(line), lineNumber, providerEnv, out);
            }
            case YAML -> keyValue(loc, YAML.matcher(line), lineNumber, providerEnv, out);
            case JSON -> {
                Matcher m = JSON.matcher(line);
                while (m.find()) add(loc, m.group(1), m.group(2), lineNumber, null, out);
            }
            case NETRC -> {
                Matcher m = NETRC.matcher(line);
                while (m.find()) add(loc, "password", m.group(1), lineNumber, null, out);
            }
            case URL -> {
                Matcher m = URL.matcher(line);
                while (m.find()) add(loc, "", m.group(1), lineNumber, null, out);
            }
        }
    }

    private static void keyValue(Location loc, Matcher m, int lineNumber,
                                 java.util.function.Function<String, String> providerEnv, List<Hit> out) {
        if (!m.matches()) return;
        String key = m.group(1).strip();
        add(loc, key, value(m.group(2)), lineNumber, providerEnv == null ? null : providerEnv.apply(key), out);
    }

    private static void add(Location loc, String key, String value, int lineNumber, String provider, List<Hit> out) {
        if (!loc.key().test(key)) return;
        if (Placeholders.isPlaceholder(value) || Placeholders.isReference(value)) return;
        out.add(new Hit(lineNumber, loc.kind(), Hit.Source.LOCATION, value, provider));
    }

    /** A value without its quotes, or without a trailing {@code # comment} when unquoted. */
    static String value(String raw) {
        String v = raw.strip();
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'')) {
            int close = v.indexOf(v.charAt(0), 1);
            return close < 0 ? v.substring(1) : v.substring(1, close);
        }
        int comment = v.indexOf(" #");
        if (comment >= 0) v = v.substring(0, comment);
        if (v.endsWith(";")) v = v.substring(0, v.length() - 1);
        return v.strip();
    }
}
