package dev.airlock.core.scan;

import static dev.airlock.core.scan.ScanTrees.located;
import static dev.airlock.core.scan.ScanTrees.scan;
import static dev.airlock.core.scan.ScanTrees.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.airlock.core.crypto.Hashes;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Well-known token formats are found in any text file, with their line and kind; their look-alikes (a bad checksum,
 * a vendor's documented example, a header without a key, a base64 string that is not a JWT) are not.
 */
class TokenFormatsTest {
    static final PlantedCredentials PLANT = new PlantedCredentials(16);

    @TempDir
    Path root;

    static Stream<Arguments> formats() {
        return Stream.of(
                Arguments.of("github-token", (Function<PlantedCredentials, String>) p -> p.github("ghp_")),
                Arguments.of("github-token", (Function<PlantedCredentials, String>) p -> p.github("gho_")),
                Arguments.of("github-token", (Function<PlantedCredentials, String>) p -> p.github("ghs_")),
                Arguments.of("github-token", (Function<PlantedCredentials, String>) PlantedCredentials::githubFineGrained),
                Arguments.of("npm-token", (Function<PlantedCredentials, String>) PlantedCredentials::npm),
                Arguments.of("slack-token", (Function<PlantedCredentials, String>) PlantedCredentials::slack),
                Arguments.of("stripe-live-key", (Function<PlantedCredentials, String>) PlantedCredentials::stripe),
                Arguments.of("gitlab-token", (Function<PlantedCredentials, String>) PlantedCredentials::gitlab),
                Arguments.of("pypi-token", (Function<PlantedCredentials, String>) PlantedCredentials::pypi),
                Arguments.of("google-api-key", (Function<PlantedCredentials, String>) PlantedCredentials::google),
                Arguments.of("jwt", (Function<PlantedCredentials, String>) PlantedCredentials::jwt),
                Arguments.of("airlock-agent-secret", (Function<PlantedCredentials, String>) PlantedCredentials::airlockSecret));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void scanWhenAFileHoldsAWellKnownTokenThenItIsFoundWithItsLineAndKind(String kind,
            Function<PlantedCredentials, String> make) throws Exception {
        String token = make.apply(PLANT);
        write(root, "src/app/settings.py", "import os\n\nCLIENT = Client(\n    auth=\"" + token + "\",\n)\n");
        ScanResult r = scan(root);
        assertEquals(List.of("src/app/settings.py:4 " + kind), located(r));
        assertEquals("sha256:" + Hashes.sha256Hex(token).substring(0, 12), r.findings().get(0).fingerprint());
        assertFalse(r.toString().contains(token), "the value is never part of a result");
    }

    @Test
    void scanWhenAGithubTokenHasABadChecksumThenItIsNotReported() throws Exception {
        write(root, "README.md", "token: " + PLANT.githubWithBadChecksum() + "\n");
        assertEquals(List.of(), located(scan(root)));
    }

    @Test
    void scanWhenAnAwsKeyIdHasASecretKeyNearbyThenItIsFoundAtTheKeyIdsLine() throws Exception {
        write(root, "deploy/aws.txt", "# deploy user\nkey id " + PLANT.awsKeyId() + "\nregion eu-west-1\nsecret "
                + PLANT.awsSecret() + "\n");
        assertEquals(List.of("deploy/aws.txt:2 aws-access-key"), located(scan(root)));
    }

    @Test
    void scanWhenAnAwsKeyIdStandsAloneThenItIsNotReported() throws Exception {
        write(root, "iam.md", "The deploy user's key is " + PLANT.awsKeyId() + " (no secret here).\n");
        assertEquals(List.of(), located(scan(root)));
    }

    @Test
    void scanWhenAnAwsKeyIdIsAwsDocumentedExampleThenItIsNotReportedEvenBesideARealLookingSecret() throws Exception {
        write(root, "docs/aws.md", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = "
                + PLANT.awsSecret() + "\n");
        assertEquals(List.of(), located(scan(root)));
    }

    @Test
    void scanWhenTheSecretNearAKeyIdIsAwsDocumentedExampleThenItIsNotReported() throws Exception {
        write(root, "docs/aws.md", "aws_access_key_id = " + PLANT.awsKeyId()
                + "\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
        assertEquals(List.of(), located(scan(root)));
    }

    @Test
    void scanWhenAnAwsKeyIdIsNextToACommitHashThenItIsNotReported() throws Exception {
        write(root, "CHANGELOG.md", "rotated " + PLANT.awsKeyId() + " in\n" + PLANT.chars("0123456789abcdef", 40) + "\n");
        assertEquals(List.of(), located(scan(root)), "40 lower-case hex characters are a hash, not a secret key");
    }

    @Test
    void aHitNeverPrintsItsValue() {
        String token = PLANT.github("ghp_");
        Hit h = new Hit(1, CredentialKind.GITHUB_TOKEN, Hit.Source.FORMAT, token, null);
        assertFalse(h.toString().contains(token), h.toString());
    }

    @Test
    void scanWhenATokenIsAHandMadeLookAlikeThenItIsNotReported() throws Exception {
        write(root, "docs/stripe.md", "STRIPE=sk_" + "live_xxxxxxxxxxxxxxxxxxxxxxxxxxxx\nkey AIza" + "x".repeat(35) + "\n");
        assertEquals(List.of(), located(scan(root)));
    }

    @Test
    void scanWhenAPemPrivateKeyIsInAFileThenItIsFoundAtItsBeginLine() throws Exception {
        write(root, "certs/server.key", "\n" + PlantedCredentials.pemPrivateKey());
        assertEquals(List.of("certs/server.key:2 private-key"), located(scan(root)));
    }

    @Test
    void scanWhenAPemPrivateKeyIsInsideAJsonStringThenItIsFound() throws Exception {
        String pem = PlantedCredentials.pemPrivateKey().replace("\n", "\\n");
        write(root, "sa.json", "{\n  \"type\": \"service_account\",\n  \"private_key\": \"" + pem + "\"\n}\n");
        assertEquals(List.of("sa.json:3 private-key"), located(scan(root)));
    }

    @Test
    void scanWhenCodeMentionsAPemHeaderWithoutAKeyThenItIsNotReported() throws Exception {
        write(root, "Pem.java", "if (text.startsWith(\"-----BEGIN PRIVATE KEY-----\")) {\n    return parse(text);\n}\n");
        // Documentation that shows how a key starts: far too short to be one.
        write(root, "docs/keys.md", "-----BEGIN PRIVATE KEY-----\nMIIEvAIBADANBgkq\n-----END PRIVATE KEY-----\n");
        assertEquals(List.of(), located(scan(root)));
    }

    @Test
    void scanWhenAJwtShapedStringIsNotAJwtThenItIsNotReported() throws Exception {
        String notJson = "eyJ" + PLANT.chars(PlantedCredentials.BASE62, 20) + "." + PLANT.chars(PlantedCredentials.BASE62, 20)
                + "." + PLANT.chars(PlantedCredentials.BASE62, 30);
        java.util.Base64.Encoder e = java.util.Base64.getUrlEncoder().withoutPadding();
        String unsigned = e.encodeToString("{\"alg\":\"none\"}".getBytes()) + "." + e.encodeToString("{\"sub\":\"x\"}".getBytes())
                + "." + PLANT.chars(PlantedCredentials.BASE62, 30);
        write(root, "notes.txt", notJson + "\n" + unsigned + "\n");
        assertEquals(List.of(), located(scan(root)));
    }

    @Test
    void checksumMatchesTheDocumentedAlgorithmOnAKnownValue() {
        // CRC32("") is 0, which pads to six zeros; CRC32("a") = 0xE8B7BE43 = base62 "4GEHKN".
        assertEquals("000000", Base62Crc.checksum(""));
        assertEquals("4GEHKN", Base62Crc.checksum("a"));
    }
}
