package dev.airlock.core.scan;

import static dev.airlock.core.scan.ScanTrees.located;
import static dev.airlock.core.scan.ScanTrees.scan;
import static dev.airlock.core.scan.ScanTrees.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files that hold credentials because of what they are: each location's credential is found at its line with its
 * kind, and each location's placeholders, references and comments-that-are-not-values are not. The values are
 * random and of no known format, so only the location rule can find them.
 */
class LocationsTest {
    static final PlantedCredentials PLANT = new PlantedCredentials(1616);

    @TempDir
    Path root;

    static String secret() {
        return PLANT.chars(PlantedCredentials.BASE62, 32);
    }

    static Stream<Arguments> locations() {
        return Stream.of(
                Arguments.of(".env", "# local\nPORT=8080\nDATABASE_PASSWORD=" + secret() + "\n", 3, "dotenv-secret"),
                Arguments.of("services/api/.env.production", "export STRIPE_SECRET='" + secret() + "'\n", 1, "dotenv-secret"),
                Arguments.of(".env", "# OLD_API_TOKEN=" + secret() + "\n", 1, "dotenv-secret"),
                Arguments.of(".bashrc", "alias ll='ls -l'\nexport OPENAI_API_KEY=\"" + secret() + "\"\n", 2,
                        "shell-profile-secret"),
                Arguments.of(".config/fish/config.fish", "set -gx DEPLOY_TOKEN " + secret() + "\n", 1,
                        "shell-profile-secret"),
                Arguments.of(".aws/credentials", "[default]\naws_access_key_id = AKIA0000\naws_secret_access_key = "
                        + secret() + "\n", 3, "aws-credentials-file"),
                Arguments.of(".config/gcloud/application_default_credentials.json", "{\n  \"client_id\": \"x\",\n"
                        + "  \"refresh_token\": \"" + secret() + "\"\n}\n", 3, "gcloud-credentials"),
                Arguments.of(".azure/service_principal_entries.json", "[{\"client_id\": \"x\", \"secret\": \"" + secret()
                        + "\"}]\n", 1, "azure-credentials"),
                Arguments.of(".kube/config", "users:\n- name: admin\n  user:\n    token: " + secret() + "\n", 4,
                        "kubeconfig-credential"),
                Arguments.of("ops/staging.kubeconfig", "users:\n- name: a\n  user:\n    client-key-data: " + secret()
                        + "\n", 4, "kubeconfig-credential"),
                Arguments.of(".docker/config.json", "{\n  \"auths\": {\n    \"ghcr.io\": {\n      \"auth\": \"" + secret()
                        + "\"\n    }\n  }\n}\n", 4, "docker-auth"),
                Arguments.of(".npmrc", "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken="
                        + secret() + "\n", 2, "npmrc-token"),
                Arguments.of(".pypirc", "[pypi]\nusername = __token__\npassword = " + secret() + "\n", 3, "pypirc-password"),
                Arguments.of(".netrc", "machine api.heroku.com login dev@example.org password " + secret() + "\n", 1,
                        "netrc-password"),
                Arguments.of(".config/gh/hosts.yml", "github.com:\n    user: dev\n    oauth_token: " + secret() + "\n", 3,
                        "gh-cli-token"),
                Arguments.of(".git-credentials", "https://dev:" + secret() + "@github.com\n", 1, "git-credentials"),
                Arguments.of("vendored/.git/config", "[remote \"origin\"]\n\turl = https://bot:" + secret()
                        + "@gitlab.com/a/b.git\n", 2, "git-credentials"),
                Arguments.of(".terraform.d/credentials.tfrc.json", "{\"credentials\": {\"app.terraform.io\": {\"token\": \""
                        + secret() + "\"}}}\n", 1, "terraform-token"),
                Arguments.of(".railway/config.json", "{\n  \"user\": {\n    \"token\": \"" + secret() + "\"\n  }\n}\n", 3,
                        "railway-cli-token"),
                Arguments.of(".fly/config.yml", "access_token: " + secret() + "\n", 1, "fly-cli-token"),
                Arguments.of(".local/share/com.vercel.cli/auth.json", "{\"token\": \"" + secret() + "\"}\n", 1,
                        "vercel-cli-token"));
    }

    @ParameterizedTest(name = "{0} -> {3}")
    @MethodSource("locations")
    void scanWhenAWellKnownFileHoldsACredentialThenItIsFoundWithItsLineAndKind(String path, String content, int line,
            String kind) throws Exception {
        write(root, path, content);
        assertEquals(List.of(path + ":" + line + " " + kind), located(scan(root)));
    }

    @Test
    void scanWhenTheSameFilesHoldOnlyPlaceholdersAndReferencesThenNothingIsReported() throws Exception {
        write(root, ".env", String.join("\n", "API_KEY=changeme", "API_TOKEN=${API_TOKEN}", "GH_TOKEN=$GH_TOKEN",
                "X_TOKEN=$(pass show x)", "Y_SECRET=<your-token>", "Z_KEY=", "SSH_KEY=~/.ssh/id_ed25519",
                "DB_PASSWORD=\"\"", "SIGNING_KEY=xxxxxxxxxxxxxxxx", "API_SECRET=abababababababab", "DB_PASSWD=hunter2", "GPG_KEY_FILE=/run/secrets/gpg",
                "APP_SECRET=replace-me-with-a-real-secret", "LOG_LEVEL=debugging-everything", "DEBUG=true", ""));
        write(root, ".npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n");
        write(root, ".kube/config", "users:\n- name: a\n  user:\n    token: <token>\n");
        write(root, ".docker/config.json", "{\"auths\": {\"ghcr.io\": {\"auth\": \"\"}}, \"credsStore\": \"desktop\"}\n");
        write(root, ".git-credentials", "https://github.com\n");
        write(root, "notes/.pypirc", "[pypi]\npassword = your-pypi-token-here\n");
        assertEquals(List.of(), located(scan(root)));
    }

    @Test
    void scanWhenASecretNamedVariableIsOutsideALocationThenOnlyFormatsApply() throws Exception {
        write(root, "src/config.py", "DATABASE_PASSWORD = \"" + secret() + "\"\n");
        assertEquals(List.of(), located(scan(root)), "a variable name alone is not a finding outside .env and profiles");
    }

    @Test
    void scanWhenAWellKnownTokenIsInADotenvFileThenItIsReportedOnceByItsFormat() throws Exception {
        write(root, ".env", "GITHUB_TOKEN=" + PLANT.github("ghp_") + "\n");
        assertEquals(List.of(".env:1 github-token"), located(scan(root)));
    }

    @Test
    void scanWhenAGcloudTokenStoreExistsThenTheFileItselfIsTheFinding() throws Exception {
        Path db = root.resolve(".config/gcloud/credentials.db");
        Files.createDirectories(db.getParent());
        Files.write(db, new byte[] {'S', 'Q', 'L', 0, 1, 2, 3});
        assertEquals(List.of(".config/gcloud/credentials.db:0 gcloud-credentials"), located(scan(root)));
    }
}
