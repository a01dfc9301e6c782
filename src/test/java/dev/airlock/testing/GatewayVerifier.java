package dev.airlock.testing;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A gateway in front of a provider, as deployed ones behave: it verifies with {@link IndependentVerifier} (nothing of
 * Airlock's) against a JWKS fetched over HTTP, and keeps that JWKS for the {@code max-age} Airlock's
 * {@code Cache-Control} gives, by {@code clock}. It does not refetch on an unknown {@code kid}: many gateways do not
 * (or rate-limit it), and that is the case a key rotation must survive.
 */
public final class GatewayVerifier {
    private static final Pattern MAX_AGE = Pattern.compile("max-age=(\\d+)");
    private final String base;
    private final String issuer;
    private final String audience;
    private final Clock clock;
    private final HttpClient http = HttpClient.newHttpClient();
    private IndependentVerifier verifier;
    private Set<String> kids;
    private Instant expires;
    private int fetches;

    public GatewayVerifier(String base, String audience, Clock clock) throws Exception {
        this(base, base, audience, clock);
    }

    /** Fetching the JWKS from {@code base} (one replica) for tokens of {@code issuer} (the replicas' public URL). */
    public GatewayVerifier(String base, String issuer, String audience, Clock clock) throws Exception {
        this.base = base;
        this.issuer = issuer;
        this.audience = audience;
        this.clock = clock;
        fetch();
    }

    private void fetch() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/.well-known/jwks.json"))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new AssertionError("JWKS answered " + r.statusCode());
        String cacheControl = r.headers().firstValue("Cache-Control").orElse("");
        Matcher m = MAX_AGE.matcher(cacheControl);
        if (!m.find()) throw new AssertionError("JWKS without max-age: " + cacheControl);
        JWKSet set = JWKSet.parse(r.body());
        kids = set.getKeys().stream().map(JWK::getKeyID).collect(Collectors.toUnmodifiableSet());
        verifier = new IndependentVerifier(set, issuer, audience, IndependentVerifier.AT_JWT, clock);
        expires = clock.instant().plusSeconds(Long.parseLong(m.group(1)));
        fetches++;
    }

    /** Verifies with the cached JWKS, refetching it first if its max-age has passed. */
    public synchronized JWTClaimsSet verify(String token) throws Exception {
        if (!clock.instant().isBefore(expires)) fetch();
        return verifier.verify(token);
    }

    /** The kids of the JWKS this gateway holds now. */
    public synchronized Set<String> cachedKids() {
        return kids;
    }

    public synchronized int fetches() {
        return fetches;
    }
}
