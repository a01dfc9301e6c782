package dev.airlock.core.scan;

import static dev.airlock.core.scan.ScanTrees.located;
import static dev.airlock.core.scan.ScanTrees.scan;
import static dev.airlock.core.scan.ScanTrees.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.core.policy.PolicyLoader;
import dev.airlock.core.proxy.CredentialPatterns;
import dev.airlock.core.proxy.ProviderLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The patterns a provider file declares find that provider's credentials anywhere, as {@code provider:<name>}, and
 * turn the advice into "reach it through /proxy/<name>/"; so does a variable named like the provider's credential.
 */
class ProviderPatternScanTest {
    static final PlantedCredentials PLANT = new PlantedCredentials(77);

    @TempDir
    Path root;

    static List<ProviderSignature> shipped() throws Exception {
        return ProviderSignature.of(ProviderLoader.load(Path.of("scopes/providers"), PolicyLoader.load(Path.of("scopes"))));
    }

    @Test
    void scanWhenAFileHoldsAShippedProvidersTokenThenItIsReportedAsThatProviderWithItsProxy() throws Exception {
        write(root, "scripts/deploy.sh", "#!/bin/sh\nRAILWAY_TOKEN=" + PLANT.uuid() + " railway up\n");
        ScanResult r = scan(root, shipped());
        assertEquals(List.of("scripts/deploy.sh:2 provider:railway"), located(r));
        Finding f = r.findings().get(0);
        assertEquals("railway", f.provider());
        assertTrue(f.advice().contains("/proxy/railway/"), f.advice());
    }

    @Test
    void scanWithoutTheProviderFilesThenTheSameScriptIsNotAFinding() throws Exception {
        write(root, "scripts/deploy.sh", "#!/bin/sh\nRAILWAY_TOKEN=" + PLANT.uuid() + " railway up\n");
        assertEquals(List.of(), located(scan(root)), "the pattern, not a built-in rule, found it above");
    }

    @Test
    void scanWhenADotenvLineIsAlsoAProviderPatternThenItIsReportedOnceAsTheProvider() throws Exception {
        write(root, ".env", "RAILWAY_TOKEN=" + PLANT.uuid() + "\n");
        assertEquals(List.of(".env:1 provider:railway"), located(scan(root, shipped())));
    }

    @Test
    void scanWhenADotenvVariableIsAProvidersCredentialVariableThenTheAdviceNamesItsProxy() throws Exception {
        write(root, ".env", "DEMO_TOKEN=" + PLANT.chars(PlantedCredentials.BASE62, 30) + "\nOTHER_TOKEN="
                + PLANT.chars(PlantedCredentials.BASE62, 30) + "\n");
        ScanResult r = scan(root, List.of(new ProviderSignature("demo", CredentialPatterns.NONE, "DEMO_TOKEN")));
        assertEquals(List.of(".env:1 dotenv-secret", ".env:2 dotenv-secret"), located(r));
        assertEquals("demo", r.findings().get(0).provider());
        assertNull(r.findings().get(1).provider());
    }

    @Test
    void scanWhenAWellKnownTokensVendorHasAProviderFileThenTheAdviceNamesItsProxy() throws Exception {
        write(root, "ci.yml", "token: " + PLANT.github("ghp_") + "\n");
        ScanResult r = scan(root, List.of(new ProviderSignature("github", CredentialPatterns.NONE, null)));
        assertEquals("github", r.findings().get(0).provider());
    }

    @Test
    void scanWhenAProviderPatternFindsAPlaceholderThenItIsNotReported() throws Exception {
        write(root, "run.sh", "DEMO_TOKEN=${DEMO_TOKEN} ./run\nDEMO_TOKEN=" + PLANT.chars(PlantedCredentials.BASE62, 30) + "\n");
        ScanResult r = scan(root, List.of(new ProviderSignature("demo",
                CredentialPatterns.of(List.of("DEMO_TOKEN=(\\S+)")), null)));
        assertEquals(List.of("run.sh:2 provider:demo"), located(r));
    }

    @Test
    void scanWhenAProviderPatternBacktracksOnALineThenTheScanGoesOnAndANoteSaysSo() throws Exception {
        write(root, "data.txt", "a".repeat(64) + "\n");
        write(root, "z.txt", "DEMO=" + PLANT.github("ghp_") + "\n");
        ScanResult r = scan(root, List.of(new ProviderSignature("demo", CredentialPatterns.of(List.of("(a|a)+\\1b")),
                null)));
        assertEquals(List.of("z.txt:1 github-token"), located(r));
        assertEquals(List.of(new ScanNote("data.txt", "a provider's credential pattern took too long on a line and was"
                + " stopped there")), r.notes());
    }
}
