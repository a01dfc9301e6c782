package dev.airlock.core.scan;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Every kind of finding the scan reports: a stable code (scripts and ignore reviews rely on it), the vendor whose
 * provider definition would replace it (a provider file of that name turns the advice into "use /proxy/<name>/"), and
 * where to revoke it. One table, so that a detector cannot report a kind without advice.
 *
 * @param code   stable, lower-case: {@code github-token}, {@code dotenv-secret}; {@code provider:<name>} for patterns
 *               a provider file declares
 * @param vendor the provider this credential belongs to, or "" when the file does not say
 * @param revoke where and how to revoke it
 */
public record CredentialKind(String code, String vendor, String revoke) {
    private static final Map<String, CredentialKind> ALL = new LinkedHashMap<>();

    // Well-known token formats (TokenFormats).
    public static final CredentialKind GITHUB_TOKEN = add("github-token", "github",
            "revoke it at GitHub: Settings > Developer settings > Personal access tokens, or the OAuth/GitHub App's"
                    + " settings for gho_/ghu_/ghs_/ghr_ tokens");
    public static final CredentialKind AWS_ACCESS_KEY = add("aws-access-key", "aws",
            "deactivate and delete the access key in IAM (aws iam delete-access-key --access-key-id ...)");
    public static final CredentialKind SLACK_TOKEN = add("slack-token", "slack",
            "revoke it at api.slack.com/apps (the app's OAuth & Permissions page) or with auth.revoke");
    public static final CredentialKind STRIPE_KEY = add("stripe-live-key", "stripe",
            "roll it in the Stripe dashboard: Developers > API keys");
    public static final CredentialKind GITLAB_TOKEN = add("gitlab-token", "gitlab",
            "revoke it in GitLab: User settings > Access tokens (or the project's or group's access tokens)");
    public static final CredentialKind NPM_TOKEN = add("npm-token", "npm",
            "revoke it: npm token revoke, or npmjs.com > Access Tokens");
    public static final CredentialKind PYPI_TOKEN = add("pypi-token", "pypi",
            "remove it at pypi.org: Account settings > API tokens");
    public static final CredentialKind GOOGLE_API_KEY = add("google-api-key", "google",
            "delete or regenerate it in the Google Cloud console: APIs & Services > Credentials");
    public static final CredentialKind PRIVATE_KEY = add("private-key", "",
            "treat the key pair as compromised: remove its public half wherever it is trusted (authorized_keys, a"
                    + " provider's deploy keys, a CA) and create a new pair outside the agent's reach");
    public static final CredentialKind JWT = add("jwt", "",
            "a bearer token until it expires: revoke the session or key at its issuer (the iss claim), and remove it");
    public static final CredentialKind AIRLOCK_AGENT_SECRET = add("airlock-agent-secret", "",
            "replace it: airlock agent add ID issues a new secret and the old one stops working; keep agent secrets in"
                    + " a file only the agent's launcher reads, not in the tree the agent works in");
    // Files by location (Locations).
    public static final CredentialKind DOTENV_SECRET = add("dotenv-secret", "",
            "revoke it at the provider that issued it (the variable name usually says which), then remove the line");
    public static final CredentialKind SHELL_PROFILE_SECRET = add("shell-profile-secret", "",
            "revoke it at the provider that issued it; a shell profile exports it to every process, agents included");
    public static final CredentialKind AWS_CREDENTIALS_FILE = add("aws-credentials-file", "aws",
            "delete the access key in IAM and remove it from the file (aws configure, or an SSO profile without keys)");
    public static final CredentialKind GCLOUD_CREDENTIALS = add("gcloud-credentials", "google",
            "gcloud auth revoke --all and gcloud auth application-default revoke; delete service account keys in IAM");
    public static final CredentialKind AZURE_CREDENTIALS = add("azure-credentials", "azure",
            "az logout (and az account clear); rotate a service principal's secret in Entra ID");
    public static final CredentialKind KUBECONFIG_CREDENTIAL = add("kubeconfig-credential", "kubernetes",
            "delete the service account token or revoke the client certificate at the cluster; a kubeconfig with a"
                    + " credential in it is cluster access for whoever reads it");
    public static final CredentialKind DOCKER_AUTH = add("docker-auth", "docker",
            "docker logout REGISTRY, revoke the registry token, and use a credential helper (credsStore)");
    public static final CredentialKind NPMRC_TOKEN = add("npmrc-token", "npm",
            "revoke it (npm token revoke, or the registry's token page) and use ${NPM_TOKEN} in .npmrc instead");
    public static final CredentialKind PYPIRC_PASSWORD = add("pypirc-password", "pypi",
            "remove the API token at pypi.org: Account settings > API tokens, and drop it from .pypirc");
    public static final CredentialKind NETRC_PASSWORD = add("netrc-password", "",
            "revoke it at the machine it names (Heroku CLI logins live here: heroku authorizations:revoke)");
    public static final CredentialKind GH_CLI_TOKEN = add("gh-cli-token", "github",
            "gh auth logout, and revoke the GitHub CLI's OAuth authorization in GitHub: Settings > Applications");
    public static final CredentialKind GIT_CREDENTIALS = add("git-credentials", "",
            "revoke the token at the git host and use a credential helper that does not store it in plain text");
    public static final CredentialKind TERRAFORM_TOKEN = add("terraform-token", "terraform",
            "terraform logout HOST, and revoke the API token in HCP Terraform: User settings > Tokens");
    public static final CredentialKind RAILWAY_CLI_TOKEN = add("railway-cli-token", "railway",
            "railway logout, and revoke the token at railway.com: Account settings > Tokens");
    public static final CredentialKind FLY_CLI_TOKEN = add("fly-cli-token", "fly",
            "fly auth logout, and revoke tokens with fly tokens revoke");
    public static final CredentialKind VERCEL_CLI_TOKEN = add("vercel-cli-token", "vercel",
            "vercel logout, and revoke the token at vercel.com: Account settings > Tokens");

    /** The code of findings from a provider file's {@code credential_patterns}. */
    public static CredentialKind provider(String name) {
        return new CredentialKind("provider:" + name, name, "revoke it at " + name
                + " (its console's API tokens page), then keep it only where Airlock's proxy reads it");
    }

    private static CredentialKind add(String code, String vendor, String revoke) {
        CredentialKind k = new CredentialKind(code, vendor, revoke);
        if (ALL.put(code, k) != null) throw new IllegalStateException("duplicate kind " + code);
        return k;
    }

    /** Every built-in kind by code, in the order of the table above (documented in docs/scan.md). */
    public static Map<String, CredentialKind> all() {
        return java.util.Collections.unmodifiableMap(ALL);
    }

    public static Optional<CredentialKind> byCode(String code) {
        return Optional.ofNullable(ALL.get(code));
    }
}
