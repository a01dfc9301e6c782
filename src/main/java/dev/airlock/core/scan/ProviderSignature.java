package dev.airlock.core.scan;

import dev.airlock.core.proxy.CredentialPatterns;
import dev.airlock.core.proxy.CredentialSource;
import dev.airlock.core.proxy.Provider;
import dev.airlock.core.proxy.Providers;
import java.util.List;

/**
 * What the scan takes from one provider file: the patterns its credentials match ({@code credential_patterns}) and
 * the environment variable Airlock reads its credential from, so that {@code RAILWAY_TOKEN=...} in a {@code .env}
 * file is advised to use {@code /proxy/railway/}.
 *
 * @param name        the provider's name
 * @param patterns    its credential patterns, possibly none
 * @param credentialEnv the variable of {@code credential: {env: NAME}}, or null
 */
public record ProviderSignature(String name, CredentialPatterns patterns, String credentialEnv) {
    public static List<ProviderSignature> of(Providers providers) {
        return providers.all().stream().map(ProviderSignature::of).toList();
    }

    public static ProviderSignature of(Provider p) {
        String env = p.credential() instanceof CredentialSource.FromEnv e ? e.variable() : null;
        return new ProviderSignature(p.name(), p.credentialPatterns(), env);
    }
}
