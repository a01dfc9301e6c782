package dev.airlock.harness;

import static dev.airlock.harness.Jose.b64;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import dev.airlock.app.Airlock;
import dev.airlock.app.AirlockConfig;
import dev.airlock.core.token.SigningKey;
import dev.airlock.core.token.TokenMinter;
import dev.airlock.testing.ProxyFixture;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 5, item 6: tokens an attacker can make, each sent to every place Airlock accepts a token: the decision
 * endpoint ({@code /v1/check}: {@code allowed:false} with a reason), RFC 7662 introspection ({@code active:false} and
 * nothing else, §2.2), and the enforcement proxy (401 or 403, and the upstream receives nothing at all).
 *
 * <p>Where a forgery needs a valid signature to reach the check it is about (wrong {@code iss}, {@code aud},
 * {@code typ}, expiry, {@code crit}, a made-up grant claim), it is signed with the real key of the Airlock under
 * test, taken from the running instance: the refusal then comes from that check, not from the signature. Each case
 * also names the check code it expects, so a refusal for an unrelated reason does not pass unnoticed.
 *
 * <p>The suite can fail: {@link #theRegularTokensAreAccepted} sends the valid tokens every forgery starts from through
 * the same three paths and expects them accepted and forwarded.
 */
class JwtAttackTest {
    private static final String ENV = "staging";
    private static final String AUD = "urn:airlock:env:staging";
    private static final String VOLUME = "vol-7f3a-stg";
    private static final String PROXY_READ = "/proxy/generic-rest/v1/volumes/" + VOLUME;

    static ProxyFixture fx;
    static TestAirlock air;
    static SigningKey real;
    static String kid;
    static Jose.Attacker attacker;
    static Jose.Certificate cert;
    /** A second Airlock with its own keys that calls itself by the same issuer (the same URL). */
    static Airlock twin;
    /** A second Airlock with ES256 keys, same issuer: a real ES256 signature that is not ours. */
    static Airlock twinEs256;
    static Path scratch;

    /** coding-agent's regular staging token (default scopes db:read volume:read service:read). */
    static String good;
    /** A redeemed, unused one-shot production grant token for volume:delete on vol-7f3a. */
    static String grantToken;
    /** A one-shot grant token for vol-9c1e that was used once through /v1/check. */
    static String spentGrantToken;
    /** Another one-shot grant token for vol-9c1e, used once through the proxy. */
    static String proxySpentGrantToken;

    @BeforeAll
    static void start() throws Exception {
        fx = ProxyFixture.start();
        air = fx.airlock;
        real = air.airlock.keys.active();
        kid = real.kid();
        attacker = new Jose.Attacker();
        scratch = Files.createTempDirectory("airlock-jwt-attacks");
        cert = Jose.Certificate.selfSigned(scratch);
        twin = Airlock.open(new AirlockConfig(scratch.resolve("twin"), fx.policy, air.base, JWSAlgorithm.EdDSA, null,
                air.clock));
        twinEs256 = Airlock.open(new AirlockConfig(scratch.resolve("twin-es256"), fx.policy, air.base,
                JWSAlgorithm.ES256, null, air.clock));

        // Grants first: each approval moves the test clock 30 s (one TOTP step), and tokens are minted after.
        OpsUser dora = air.addOps("dora", "prod-ops");
        OpsUser ezra = air.addOps("ezra", "prod-ops");
        String doraSession = air.opsSignIn(dora);
        String ezraSession = air.opsSignIn(ezra);
        List<String> tokens = new ArrayList<>();
        for (String volume : List.of("vol-7f3a", "vol-9c1e", "vol-9c1e")) {
            String id = fileGrant(volume);
            approve(id, doraSession, dora);
            approve(id, ezraSession, ezra);
            tokens.add(redeem(id));
        }
        grantToken = tokens.get(0);
        spentGrantToken = tokens.get(1);
        proxySpentGrantToken = tokens.get(2);
        Reply used = air.check(spentGrantToken, "production", "volume:delete", "vol-9c1e");
        assertTrue(used.json().path("allowed").asBoolean(), "the grant token's one use: " + used.body());
        fx.upstream.clear();
        Reply viaProxy = proxy("DELETE", "/proxy/generic-rest/v1/volumes/vol-9c1e", proxySpentGrantToken);
        assertEquals(200, viaProxy.status(), "the grant token's one use through the proxy: " + viaProxy.body());
        assertEquals(1, fx.upstream.received().size(), "the one use was forwarded once");

        // The "standard base64 alphabet" spelling differs from the regular one only if the signature has a '-' or
        // '_' (about 1 in 15 Ed25519 signatures has neither, and the "forgery" was then the good token itself: a
        // flaky failure, seen once). Tokens are random (jti): mint until one has either; each try has ~94 % odds.
        for (int tries = 0; tries < 100; tries++) {
            good = fx.token(ENV, null);
            String sig = Jose.parts(good)[2];
            if (sig.indexOf('-') >= 0 || sig.indexOf('_') >= 0) break;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (twin != null) twin.close();
            if (twinEs256 != null) twinEs256.close();
        } finally {
            if (fx != null) fx.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void theProxyRoutesExist() throws Exception {
        // The guard of the proxy cases: without this route, "the upstream received nothing" would prove nothing.
        Reply r = proxy("GET", PROXY_READ, null);
        assertEquals(401, r.status(), r.body());
        assertEquals("token_missing", r.json().path("code").asText(), r.body());
    }

    @Test
    void theRegularTokensAreAccepted() throws Exception {
        Reply c = air.check(good, ENV, "volume:read", VOLUME);
        assertTrue(c.json().path("allowed").asBoolean(), c.body());
        Reply i = introspect(good);
        assertTrue(i.json().path("active").asBoolean(), i.body());
        fx.upstream.clear();
        Reply p = proxy("GET", PROXY_READ, good);
        assertEquals(200, p.status(), p.body());
        assertEquals(1, fx.upstream.received().size(), "the regular call was forwarded once");
        // The unused grant token verifies (the attacks below use it), but introspection never calls a grant token
        // active: only /v1/check and the proxy decide it (GrantTokenOnlineOnlyTest).
        assertEquals(Set.of("active"), fieldNames(introspect(grantToken).json()));
        // And a forgery signed by the real key with the regular claims re-serialised is accepted: the forging itself
        // is not what makes the cases below fail.
        String reSigned = Jose.compact(headerOf(good).toString(), payloadOf(good).toString(), ours());
        assertTrue(air.check(reSigned, ENV, "volume:read", VOLUME).json().path("allowed").asBoolean());
    }

    /** Every forgery, refused by check, introspection and the proxy. */
    @TestFactory
    Stream<DynamicTest> everyForgeryIsRefusedEverywhere() throws Exception {
        List<Attack> attacks = new ArrayList<>();
        attacks.addAll(algNone());
        attacks.addAll(hmacWithThePublicKey());
        attacks.addAll(algorithmSwaps());
        attacks.addAll(kidInjection());
        attacks.addAll(keysInTheHeader());
        attacks.addAll(critAndB64());
        attacks.addAll(claims());
        attacks.addAll(tampering());
        attacks.addAll(otherInstances());
        attacks.addAll(serialisations());
        attacks.addAll(spellings());
        attacks.addAll(grantTokens());
        System.out.println("JWT attack suite: " + attacks.size() + " forgeries, each against check, introspection"
                + " and the proxy");
        return attacks.stream().map(a -> dynamicTest(a.name(), () -> assertRefusedEverywhere(a)));
    }

    // --- the cases ---------------------------------------------------------------------------------------------------

    static List<Attack> algNone() throws Exception {
        List<Attack> out = new ArrayList<>();
        String p = payloadOf(good).toString();
        for (String alg : List.of("none", "None", "NONE", "nOnE")) {
            String h = header(alg).toString();
            out.add(token("alg " + alg + ", empty signature", Jose.compact(h, p, Jose.none())));
        }
        String h = header("none").toString();
        out.add(token("alg none, no signature part", b64(h) + "." + b64(p)));
        out.add(token("alg none, the original signature kept", b64(h) + "." + Jose.parts(good)[1] + "."
                + Jose.parts(good)[2]));
        ObjectNode noKid = header("none");
        noKid.remove("kid");
        out.add(token("alg none without kid", Jose.compact(noKid.toString(), p, Jose.none())));
        return out;
    }

    /** The classic confusion: the verifier's public key used as an HMAC secret. */
    static List<Attack> hmacWithThePublicKey() throws Exception {
        List<Attack> out = new ArrayList<>();
        JWKSet served = JWKSet.parse(air.get("/.well-known/jwks.json").body());
        Map<String, byte[]> secrets = new LinkedHashMap<>();
        secrets.put("raw public key bytes", real.publicJwk().toOctetKeyPair().getDecodedX());
        secrets.put("public JWK JSON", real.publicJwk().toJSONString().getBytes(UTF_8));
        secrets.put("JWKS JSON as served", air.get("/.well-known/jwks.json").body().getBytes(UTF_8));
        secrets.put("JWKS JSON re-serialised", served.toString().getBytes(UTF_8));
        secrets.put("base64url x", real.publicJwk().toOctetKeyPair().getX().toString().getBytes(UTF_8));
        secrets.put("SubjectPublicKeyInfo DER", spki(real.publicJwk().toOctetKeyPair().getDecodedX()));
        secrets.put("empty key", new byte[0]);
        String p = payloadOf(good).toString();
        for (Map.Entry<String, byte[]> s : secrets.entrySet()) {
            for (String[] alg : new String[][] {{"HS256", "HmacSHA256"}, {"HS384", "HmacSHA384"}, {"HS512", "HmacSHA512"}}) {
                if (!alg[0].equals("HS256") && !s.getKey().equals("raw public key bytes")
                        && !s.getKey().equals("public JWK JSON")) {
                    continue;
                }
                out.add(token(alg[0] + " keyed with the " + s.getKey(),
                        Jose.compact(header(alg[0]).toString(), p, Jose.hmac(alg[1], s.getValue()))));
            }
        }
        return out;
    }

    static List<Attack> algorithmSwaps() throws Exception {
        List<Attack> out = new ArrayList<>();
        String p = payloadOf(good).toString();
        out.add(token("ES256 with our kid, signed by an attacker P-256 key",
                Jose.compact(header("ES256").toString(), p, attacker.es256())));
        out.add(token("RS256 with our kid, signed by an attacker RSA key",
                Jose.compact(header("RS256").toString(), p, attacker.rs256())));
        out.add(token("PS256 with our kid, signed by an attacker RSA key",
                Jose.compact(header("PS256").toString(), p, attacker.ps256())));
        out.add(token("EdDSA header, our real signature, alg renamed Ed25519",
                Jose.compact(header("Ed25519").toString(), p, ours())));
        out.add(token("EdDSA token re-labelled ES256, signature kept", b64(header("ES256").toString()) + "."
                + Jose.parts(good)[1] + "." + Jose.parts(good)[2]));
        // A real ES256 signature by an Airlock that is not this one, relabelled with our kid.
        String es = mintBy(twinEs256, ENV, AUD);
        out.add(token("ES256 token of another Airlock (same issuer), its own kid", es));
        ObjectNode h = Jose.header(es);
        h.put("kid", kid);
        out.add(token("ES256 token of another Airlock, kid swapped to ours", b64(h.toString()) + "."
                + Jose.parts(es)[1] + "." + Jose.parts(es)[2]));
        // CVE-2022-21449 ("psychic signatures"): r = s = 0 under an ES256 header, for our kid and for the ES256 twin's.
        out.add(token("ES256 with r = s = 0, our kid", b64(header("ES256").toString()) + "." + b64(p) + "."
                + b64(new byte[64])));
        ObjectNode twinHeader = Jose.header(es);
        out.add(token("ES256 with r = s = 0, the ES256 twin's kid", b64(twinHeader.toString()) + "."
                + Jose.parts(es)[1] + "." + b64(new byte[64])));
        // HS256 keyed with the ES256 twin's public key, in its two usual spellings.
        ECPublicKey ec = twinEs256.keys.active().publicJwk().toECKey().toECPublicKey();
        out.add(token("HS256 keyed with an EC public key's DER, that key's kid", Jose.compact(
                withKid(header("HS256"), twinHeader.path("kid").asText()).toString(), p,
                Jose.hmac("HmacSHA256", ec.getEncoded()))));
        return out;
    }

    static List<Attack> kidInjection() throws Exception {
        List<Attack> out = new ArrayList<>();
        String p = payloadOf(good).toString();
        Map<String, String> kids = new LinkedHashMap<>();
        kids.put("unknown", "k-" + Long.toHexString(System.nanoTime()));
        kids.put("path to our key file", "../../keys/" + kid + ".json");
        kids.put("path to /dev/null", "../../../../../../../../dev/null");
        kids.put("absolute path", "/etc/passwd");
        kids.put("SQL", kid + "' OR '1'='1");
        kids.put("SQL union", "x' UNION SELECT 'AAAA' --");
        kids.put("NUL byte", kid + "\u0000");
        kids.put("trailing space", kid + " ");
        kids.put("upper-cased", kid.toUpperCase(java.util.Locale.ROOT));
        kids.put("URL", "http://127.0.0.1:1/key");
        kids.put("very long (4,000 characters)", "k".repeat(4000));
        for (Map.Entry<String, String> k : kids.entrySet()) {
            out.add(token("kid " + k.getKey() + ", attacker EdDSA signature",
                    Jose.compact(withKid(header("EdDSA"), k.getValue()).toString(), p, attacker.eddsa())));
        }
        out.add(malformedRequest("kid longer than a token may be (10,000 characters), attacker EdDSA signature",
                Jose.compact(withKid(header("EdDSA"), "k".repeat(10_000)).toString(), p, attacker.eddsa())));
        // The empty HMAC key that "kid: /dev/null" would load in a naive key store.
        out.add(token("kid /dev/null with HS256 and an empty key", Jose.compact(
                withKid(header("HS256"), "../../../../../../../../dev/null").toString(), p, Jose.hmac("HmacSHA256",
                        new byte[0]))));
        // kid of the wrong JSON type, signed with the real key (so only the header's shape can refuse it).
        for (String shape : List.of("123", "[\"" + kid + "\"]", "{\"kid\":\"" + kid + "\"}", "null", "true")) {
            String h = "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":" + shape + "}";
            out.add(token("kid as JSON " + shape.replace(kid, "<ours>") + ", our real signature",
                    Jose.compact(h, p, ours())));
        }
        ObjectNode noKid = header("EdDSA");
        noKid.remove("kid");
        out.add(token("no kid, our real signature", Jose.compact(noKid.toString(), p, ours())));
        out.add(token("our kid, attacker EdDSA signature", Jose.compact(header("EdDSA").toString(), p, attacker.eddsa())));
        return out;
    }

    /** jku, x5u, jwk, x5c: the token brings its own key. The URLs point at the recording upstream: never fetched. */
    static List<Attack> keysInTheHeader() throws Exception {
        List<Attack> out = new ArrayList<>();
        String p = payloadOf(good).toString();
        String where = fx.upstream.base();
        JsonNode attackerJwk = Jose.JSON.readTree(attacker.ed25519.toPublicJWK().toJSONString());
        String attackerKid = attacker.ed25519.getKeyID();
        for (boolean ourKid : new boolean[] {true, false}) {
            String k = ourKid ? kid : attackerKid;
            String which = ourKid ? "our kid" : "the attacker's kid";
            ObjectNode jku = withKid(header("EdDSA"), k);
            jku.put("jku", where + "/.well-known/jwks.json");
            out.add(token("jku at an attacker JWKS, " + which, Jose.compact(jku.toString(), p, attacker.eddsa())));
            ObjectNode jwk = withKid(header("EdDSA"), k);
            jwk.set("jwk", attackerJwk);
            out.add(token("jwk embedding the attacker's key, " + which, Jose.compact(jwk.toString(), p,
                    attacker.eddsa())));
            ObjectNode x5u = withKid(header("ES256"), k);
            x5u.put("x5u", where + "/attacker.pem");
            out.add(token("x5u at an attacker certificate, " + which, Jose.compact(x5u.toString(), p, cert.es256())));
            ObjectNode x5c = withKid(header("ES256"), k);
            x5c.putArray("x5c").add(cert.x5c());
            out.add(token("x5c embedding a self-signed attacker certificate, " + which,
                    Jose.compact(x5c.toString(), p, cert.es256())));
        }
        // Our own key in jwk, and a real signature: refused all the same (a token never names its key here).
        ObjectNode ownJwk = header("EdDSA");
        ownJwk.set("jwk", Jose.JSON.readTree(real.publicJwk().toJSONString()));
        out.add(token("jwk embedding our own public key, our real signature", Jose.compact(ownJwk.toString(), p,
                ours())));
        return out;
    }

    static List<Attack> critAndB64() throws Exception {
        List<Attack> out = new ArrayList<>();
        String p = payloadOf(good).toString();
        ObjectNode crit = header("EdDSA");
        crit.putArray("crit").add("urn:attacker:must-understand");
        crit.put("urn:attacker:must-understand", true);
        out.add(token("crit with an unknown parameter, our real signature", Jose.compact(crit.toString(), p, ours())));
        ObjectNode critMissing = header("EdDSA");
        critMissing.putArray("crit").add("exp2");
        out.add(token("crit naming a parameter that is absent, our real signature",
                Jose.compact(critMissing.toString(), p, ours())));
        ObjectNode b64 = header("EdDSA");
        b64.put("b64", false);
        b64.putArray("crit").add("b64");
        out.add(token("b64:false (RFC 7797) with an unencoded payload, our real signature",
                Jose.unencodedPayload(b64.toString(), p, ours())));
        out.add(token("b64:false (RFC 7797) with a detached payload, our real signature",
                detach(Jose.unencodedPayload(b64.toString(), p, ours()))));
        ObjectNode b64NoCrit = header("EdDSA");
        b64NoCrit.put("b64", false);
        out.add(token("b64:false without crit, encoded payload, our real signature",
                Jose.compact(b64NoCrit.toString(), p, ours())));
        return out;
    }

    /** Claims the signature vouches for but the verifier must still refuse. All signed with the real key. */
    static List<Attack> claims() throws Exception {
        List<Attack> out = new ArrayList<>();
        long now = air.clock.instant().getEpochSecond();
        out.add(signedClaims("expired a second ago", c -> c.put("exp", now - 1), "token_expired"));
        out.add(signedClaims("expired an hour ago", c -> {
            c.put("iat", now - 7200);
            c.put("nbf", now - 7200);
            c.put("exp", now - 3600);
        }, "token_expired"));
        out.add(signedClaims("not valid for another minute (nbf beyond the skew)", c -> c.put("nbf", now + 60), null));
        out.add(signedClaims("not valid for another 10 s (nbf beyond a 5 s skew)", c -> c.put("nbf", now + 10), null));
        out.add(signedClaims("no exp", c -> c.remove("exp"), null));
        out.add(signedClaims("exp as a string", c -> c.put("exp", Long.toString(now + 600)), null));
        out.add(signedClaims("iss of another Airlock", c -> c.put("iss", "http://127.0.0.1:1"), null));
        out.add(signedClaims("iss with a trailing slash", c -> c.put("iss", air.base + "/"), null));
        out.add(signedClaims("iss in upper case", c -> c.put("iss", air.base.toUpperCase(java.util.Locale.ROOT)), null));
        out.add(signedClaims("no iss", c -> c.remove("iss"), null));
        out.add(signedClaims("iss as an array", c -> c.putArray("iss").add(air.base), null));
        out.add(signedClaims("aud of production, env staging", c -> c.put("aud", "urn:airlock:env:production"),
                "wrong_environment"));
        out.add(signedClaims("aud listing staging and production", c -> c.putArray("aud").add(AUD)
                .add("urn:airlock:env:production"), null));
        out.add(signedClaims("aud of an unknown environment", c -> c.put("aud", "urn:airlock:env:staging2"),
                "wrong_environment"));
        out.add(signedClaims("no aud", c -> c.remove("aud"), null));
        out.add(signedClaims("env production with the staging audience", c -> c.put("env", "production"),
                "wrong_environment"));
        out.add(signedClaims("scope as an array", c -> c.putArray("scope").add("volume:read"), null));
        out.add(signedClaims("no jti", c -> c.remove("jti"), null));
        out.add(signedClaims("no client_id", c -> c.remove("client_id"), null));
        // A grant claim in an at+jwt token: the kinds never mix, whatever the claim names.
        out.add(signedClaims("an at+jwt token with a grant claim naming no grant", c -> c.putObject("grant")
                .put("id", "gr_forged").put("uses", 1).putArray("resources").add(VOLUME), "token_invalid"));
        String realGrant = Jose.payload(grantToken).path("grant").path("id").asText();
        out.add(signedClaims("an at+jwt token with a grant claim naming a real grant",
                c -> c.putObject("grant").put("id", realGrant).put("uses", 1).putArray("resources").add(VOLUME),
                "token_invalid"));
        // Grant-typed, with the grant audience, so that only the binding to a redeemed grant can refuse them.
        out.add(signedGrantClaims("a grant token naming no grant", c -> {
            c.putObject("grant").put("id", "gr_forged").put("uses", 1).putArray("resources").add(VOLUME);
            c.put("aud", "urn:airlock:grant:gr_forged");
        }, "grant_unknown"));
        out.add(signedGrantClaims("a grant token naming a real grant it was not minted for", c -> {
            c.putObject("grant").put("id", realGrant).put("uses", 1).putArray("resources").add(VOLUME);
            c.put("aud", "urn:airlock:grant:" + realGrant);
        }, "grant_unknown"));
        out.add(signedGrantClaims("a grant-typed token without a grant claim", c -> { }, "token_invalid"));
        out.add(signedGrantClaims("a grant-typed token with a grant claim without an id", c -> c.putObject("grant")
                .put("uses", 1), "token_invalid"));
        for (String typ : new String[] {"JWT", "jwt", "at+jwt2", "application/jwt", ""}) {
            ObjectNode h = header("EdDSA");
            h.put("typ", typ);
            out.add(token("typ '" + typ + "', our real signature", Jose.compact(h.toString(), payloadOf(good).toString(),
                    ours())));
        }
        ObjectNode noTyp = header("EdDSA");
        noTyp.remove("typ");
        out.add(token("no typ, our real signature", Jose.compact(noTyp.toString(), payloadOf(good).toString(), ours())));
        return out;
    }

    /** The regular token's payload changed, its signature kept. */
    static List<Attack> tampering() throws Exception {
        List<Attack> out = new ArrayList<>();
        out.add(tampered("payload: env and aud moved to production", c -> {
            c.put("env", "production");
            c.put("aud", "urn:airlock:env:production");
        }));
        out.add(tampered("payload: volume:delete added to scope", c -> c.put("scope", c.path("scope").asText()
                + " volume:delete")));
        out.add(tampered("payload: exp an hour later", c -> c.put("exp", c.path("exp").asLong() + 3600)));
        out.add(tampered("payload: another jti (dodging a revocation)", c -> c.put("jti", "fresh-jti")));
        out.add(tampered("payload: another client", c -> {
            c.put("client_id", "deploy-bot");
            c.put("sub", "deploy-bot");
        }));
        String[] g = Jose.parts(grantToken);
        ObjectNode grantClaims = Jose.payload(grantToken);
        ((ArrayNode) grantClaims.path("grant").path("resources")).add("vol-9c1e");
        out.add(new Attack("grant token payload: a resource added to its grant", g[0] + "." + b64(grantClaims.toString())
                + "." + g[2], "production", "volume:delete", "vol-9c1e", "DELETE", "/proxy/generic-rest/v1/volumes/vol-9c1e",
                "token_invalid"));
        ObjectNode noGrant = Jose.payload(grantToken);
        noGrant.remove("grant");
        out.add(new Attack("grant token payload: the grant claim removed", g[0] + "." + b64(noGrant.toString()) + "." + g[2],
                "production", "volume:delete", "vol-7f3a", "DELETE", "/proxy/generic-rest/v1/volumes/vol-7f3a",
                "token_invalid"));
        String[] p = Jose.parts(good);
        byte[] sig = Jose.unb64(p[2]);
        byte[] flipped = sig.clone();
        flipped[10] ^= 0x01;
        out.add(token("signature with one bit flipped", p[0] + "." + p[1] + "." + b64(flipped)));
        out.add(token("signature S + L (Ed25519 malleability, RFC 8032 §5.1.7)",
                p[0] + "." + p[1] + "." + b64(Jose.ed25519PlusL(sig))));
        out.add(token("signature truncated to 63 bytes", p[0] + "." + p[1] + "." + b64(java.util.Arrays.copyOf(sig, 63))));
        out.add(token("signature of all zero bytes", p[0] + "." + p[1] + "." + b64(new byte[64])));
        out.add(token("signature stripped, trailing dot kept", p[0] + "." + p[1] + "."));
        out.add(token("signature stripped, two parts", p[0] + "." + p[1]));
        out.add(token("header and payload swapped", p[1] + "." + p[0] + "." + p[2]));
        out.add(token("signature of another token of ours", p[0] + "." + p[1] + "." + Jose.parts(fx.token(ENV, null))[2]));
        return out;
    }

    static List<Attack> otherInstances() throws Exception {
        List<Attack> out = new ArrayList<>();
        String foreign = mintBy(twin, ENV, AUD);
        out.add(token("token of another Airlock with the same issuer, its own kid", foreign));
        ObjectNode h = Jose.header(foreign);
        h.put("kid", kid);
        String[] f = Jose.parts(foreign);
        out.add(token("token of another Airlock with the same issuer, kid swapped to ours",
                b64(h.toString()) + "." + f[1] + "." + f[2]));
        return out;
    }

    static List<Attack> serialisations() throws Exception {
        List<Attack> out = new ArrayList<>();
        String[] p = Jose.parts(good);
        String flattened = "{\"protected\":\"" + p[0] + "\",\"payload\":\"" + p[1] + "\",\"signature\":\"" + p[2] + "\"}";
        String general = "{\"payload\":\"" + p[1] + "\",\"signatures\":[{\"protected\":\"" + p[0]
                + "\",\"signature\":\"" + p[2] + "\"}]}";
        out.add(token("JWS JSON serialisation, flattened, of the regular token", flattened));
        out.add(token("JWS JSON serialisation, general, of the regular token", general));
        out.add(token("JWE compact (RSA-OAEP-256) carrying the regular token", attacker.jweRsa(good)));
        out.add(token("JWE compact (dir) carrying the regular token", attacker.jweDirect(good)));
        out.add(token("five parts: the regular token and two more", good + "." + p[1] + "." + p[2]));
        out.add(token("the regular token twice, joined by a dot", good + "." + good));
        out.add(token("unsecured JWT (payload only) in base64url", b64(payloadOf(good).toString())));
        out.add(token("the claims as plain JSON", payloadOf(good).toString()));
        return out;
    }

    /** The regular token, spelled differently: the signature bytes stay the same, so only strict parsing refuses. */
    static List<Attack> spellings() throws Exception {
        List<Attack> out = new ArrayList<>();
        String[] p = Jose.parts(good);
        String s = p[2];
        out.add(token("'=' padding on the signature", p[0] + "." + p[1] + "." + s + "=="));
        out.add(token("'=' padding on the header", p[0] + "==." + p[1] + "." + s));
        out.add(token("a space inside the signature", p[0] + "." + p[1] + "." + s.substring(0, 20) + " " + s.substring(20)));
        out.add(token("a tab inside the signature", p[0] + "." + p[1] + "." + s.substring(0, 20) + "\t" + s.substring(20)));
        out.add(token("a newline inside the signature", p[0] + "." + p[1] + "." + s.substring(0, 20) + "\n" + s.substring(20)));
        out.add(token("CRLF at the end", good + "\r\n"));
        out.add(token("a leading space", " " + good));
        out.add(token("a trailing space", good + " "));
        out.add(token("a trailing dot", good + "."));
        out.add(token("'%' inside the signature", p[0] + "." + p[1] + "." + s.substring(0, 20) + "%" + s.substring(20)));
        out.add(token("'*' inside the signature", p[0] + "." + p[1] + "." + s.substring(0, 20) + "*" + s.substring(20)));
        out.add(token("standard base64 alphabet (+/) in the signature", p[0] + "." + p[1] + "."
                + Jose.b64(Jose.unb64(s)).replace('-', '+').replace('_', '/')));
        out.add(token("a non-canonical last signature character (same bytes)", p[0] + "." + p[1] + "." + noncanonical(s)));
        out.add(token("a zero-width space inside the signature", p[0] + "." + p[1] + "." + s.substring(0, 20) + "\u200B"
                + s.substring(20)));
        out.add(token("the payload re-encoded with padding", p[0] + "." + p[1] + "=." + s));
        out.add(token("'Bearer ' inside the token value", "Bearer " + good));
        out.add(malformedRequest("empty", ""));
        return out;
    }

    static List<Attack> grantTokens() throws Exception {
        List<Attack> out = new ArrayList<>();
        String del = "/proxy/generic-rest/v1/volumes/";
        out.add(new Attack("grant token for vol-7f3a used on vol-9c1e", grantToken, "production", "volume:delete",
                "vol-9c1e", "DELETE", del + "vol-9c1e", "resource_not_granted"));
        out.add(new Attack("grant token for vol-7f3a used on a staging volume", grantToken, ENV, "volume:delete", VOLUME,
                "DELETE", del + VOLUME, "wrong_environment"));
        out.add(new Attack("grant token for volume:delete used for db:drop", grantToken, "production", "db:drop",
                "db-prod-main", "DELETE", "/proxy/generic-rest/v1/databases/db-prod-main", "scope_missing"));
        out.add(new Attack("grant token replayed after its one use through check", spentGrantToken, "production",
                "volume:delete", "vol-9c1e", "DELETE", del + "vol-9c1e", "grant_used"));
        out.add(new Attack("grant token replayed after its one use through the proxy", proxySpentGrantToken,
                "production", "volume:delete", "vol-9c1e", "DELETE", del + "vol-9c1e", "grant_used"));
        return out;
    }

    // --- one attack, three paths --------------------------------------------------------------------------------------

    /**
     * @param checkCode the code /v1/check must refuse with; null for a request refused as malformed before any token
     *                  is looked at (400 from check and introspection: an empty token, one over the length limit)
     */
    record Attack(String name, String token, String environment, String action, String resource, String proxyMethod,
                  String proxyPath, String checkCode) {}

    static Attack malformedRequest(String name, String token) {
        return new Attack(name, token, ENV, "volume:read", VOLUME, "GET", PROXY_READ, null);
    }

    static Attack token(String name, String token) {
        return new Attack(name, token, ENV, "volume:read", VOLUME, "GET", PROXY_READ, "token_invalid");
    }

    void assertRefusedEverywhere(Attack a) throws Exception {
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        Reply c = air.check(a.token(), a.environment(), a.action(), a.resource());
        if (a.checkCode() == null) {
            Reply i = introspect(a.token());
            checks.add(() -> assertEquals(400, c.status(), "check answered " + c.body()));
            checks.add(() -> assertFalse(c.body().contains("\"allowed\""), c.body()));
            checks.add(() -> assertEquals(400, i.status(), "introspection answered " + i.body()));
            checks.add(() -> assertEquals("invalid_request", i.json().path("error").asText(), i.body()));
            if (headerSafe(a.token())) {
                fx.upstream.clear();
                Reply p = proxy(a.proxyMethod(), a.proxyPath(), a.token());
                int upstream = fx.upstream.received().size();
                checks.add(() -> assertTrue(p.status() >= 400 && p.status() < 500, "proxy answered " + p.status()));
                checks.add(() -> assertEquals(0, upstream, "the upstream received the refused call"));
            }
            assertAll(a.name(), checks);
            return;
        }
        checks.add(() -> assertEquals(200, c.status(), "check answered " + c.body()));
        checks.add(() -> assertFalse(c.json().path("allowed").asBoolean(true), "check allowed it: " + c.body()));
        checks.add(() -> assertFalse(c.json().path("reason").asText().isBlank(), "check gave no reason: " + c.body()));
        checks.add(() -> assertEquals(a.checkCode(), c.json().path("code").asText(), "check refusal code: " + c.body()));

        // The spent grant tokens are not introspected: "active" is about the token, and the unspent grant tokens'
        // refusals are about the resource asked for, which introspection does not name.
        boolean tokenLevel = !Set.of("resource_not_granted", "wrong_environment", "scope_missing").contains(a.checkCode());
        if (tokenLevel) {
            Reply i = introspect(a.token());
            checks.add(() -> assertEquals(200, i.status(), "introspection answered " + i.body()));
            checks.add(() -> assertEquals(Set.of("active"), fieldNames(i.json()), "inactive means nothing else (RFC 7662"
                    + " §2.2): " + i.body()));
            checks.add(() -> assertFalse(i.json().path("active").asBoolean(true), "introspection: " + i.body()));
        }

        if (headerSafe(a.token())) {
            fx.upstream.clear();
            Reply p = proxy(a.proxyMethod(), a.proxyPath(), a.token());
            int upstream = fx.upstream.received().size();
            checks.add(() -> assertTrue(p.status() == 401 || p.status() == 403, "proxy answered " + p.status() + " "
                    + p.body()));
            checks.add(() -> assertEquals(0, upstream, "the upstream received the refused call"));
        }
        assertAll(a.name(), checks);
    }

    /**
     * What can travel in an HTTP header value as itself: no control characters, no line breaks, ASCII, and no
     * whitespace at either end (HTTP strips it from a field value, RFC 9110 §5.5, and RFC 6750 §2.1 allows several
     * spaces after "Bearer", so there such a token is the regular one; check and introspection see it as sent).
     */
    static boolean headerSafe(String token) {
        if (token.isEmpty() || !token.strip().equals(token)) return false;
        for (int i = 0; i < token.length(); i++) {
            char ch = token.charAt(i);
            if (ch < 0x20 || ch > 0x7e) return false;
        }
        return true;
    }

    // --- helpers ------------------------------------------------------------------------------------------------------

    static Reply introspect(String token) throws Exception {
        return air.postForm("/oauth2/introspect", fx.gatewayBasic, Map.of("token", token));
    }

    static Reply proxy(String method, String path, String token) throws Exception {
        var b = air.request(path).method(method, java.net.http.HttpRequest.BodyPublishers.noBody());
        if (token != null) b.header("Authorization", "Bearer " + token);
        return air.send(b.build());
    }

    static Set<String> fieldNames(JsonNode n) {
        Set<String> out = new java.util.TreeSet<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static ObjectNode headerOf(String token) {
        return Jose.header(token);
    }

    static ObjectNode payloadOf(String token) {
        return Jose.payload(token);
    }

    /** Our usual header ({@code typ: at+jwt}, our kid) with another {@code alg}. */
    static ObjectNode header(String alg) {
        ObjectNode h = Jose.JSON.createObjectNode();
        h.put("alg", alg);
        h.put("typ", "at+jwt");
        h.put("kid", kid);
        return h;
    }

    static ObjectNode withKid(ObjectNode h, String k) {
        h.put("kid", k);
        return h;
    }

    /** A signature by the real key of the Airlock under test. */
    static Jose.Signature ours() {
        return Jose.with(real.signer(), JWSAlgorithm.EdDSA);
    }

    interface ClaimEdit {
        void edit(ObjectNode claims);
    }

    /** The regular token's claims, edited, re-signed with the real key. */
    static Attack signedClaims(String name, ClaimEdit edit, String code) throws Exception {
        ObjectNode c = payloadOf(good);
        edit.edit(c);
        String t = Jose.compact(headerOf(good).toString(), c.toString(), ours());
        return new Attack("claims: " + name + ", our real signature", t, ENV, "volume:read", VOLUME, "GET", PROXY_READ,
                code == null ? "token_invalid" : code);
    }

    /** The regular token's claims, edited, re-signed with the real key under a grant token's header. */
    static Attack signedGrantClaims(String name, ClaimEdit edit, String code) throws Exception {
        ObjectNode c = payloadOf(good);
        edit.edit(c);
        ObjectNode h = headerOf(good);
        h.put("typ", TokenMinter.GRANT_TYPE);
        String t = Jose.compact(h.toString(), c.toString(), ours());
        return new Attack("grant claims: " + name + ", our real signature", t, ENV, "volume:read", VOLUME, "GET",
                PROXY_READ, code);
    }

    /** The regular token's claims, edited, with the original signature. */
    static Attack tampered(String name, ClaimEdit edit) {
        ObjectNode c = payloadOf(good);
        edit.edit(c);
        String[] p = Jose.parts(good);
        return token(name, p[0] + "." + b64(c.toString()) + "." + p[2]);
    }

    /** RFC 7515 Appendix F: the payload part left empty. */
    static String detach(String compact) {
        String[] p = compact.split("\\.", -1);
        return p[0] + ".." + p[p.length - 1];
    }

    /** The same bytes, a different last character: the unused low bits of the final base64url digit set. */
    static String noncanonical(String part) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int unused = (part.length() * 6) % 8; // bits of the last digit that carry no data
        if (unused == 0) throw new IllegalArgumentException("no spare bits in a part of length " + part.length());
        char last = part.charAt(part.length() - 1);
        char other = alphabet.charAt(alphabet.indexOf(last) ^ 1);
        String out = part.substring(0, part.length() - 1) + other;
        if (!java.util.Arrays.equals(Jose.unb64(out), Jose.unb64(part))) throw new AssertionError("not the same bytes");
        return out;
    }

    /** RFC 8410 §4: an Ed25519 public key as X.509 SubjectPublicKeyInfo DER (a fixed 12-byte prefix, then x). */
    static byte[] spki(byte[] x) {
        byte[] prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
        byte[] out = java.util.Arrays.copyOf(prefix, prefix.length + x.length);
        System.arraycopy(x, 0, out, prefix.length, x.length);
        return out;
    }

    static String mintBy(Airlock other, String env, String aud) {
        // The other instance mints for env with env's audience from the policy; aud is what the caller expects.
        TokenMinter.Minted m = other.domain().minter.mint("coding-agent", env, Set.of("db:read", "volume:read", "service:read"),
                Duration.ofMinutes(5), null);
        assertEquals(aud, m.token().audience());
        return m.jwt();
    }

    static String fileGrant(String volume) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("environment", "production");
        body.put("scopes", List.of("volume:delete"));
        body.put("resources", List.of(volume));
        body.put("reason", "orphaned volume " + volume + " left behind by the staging migration, ticket OPS-2291");
        body.put("command", "railway volume delete " + volume);
        Reply r = air.agentPost("/v1/grants", fx.basic, body);
        assertEquals(201, r.status(), r.body());
        return r.json().path("auth_req_id").asText();
    }

    static void approve(String id, String session, OpsUser who) throws Exception {
        Reply r = air.opsPost("/v1/grants/" + id + "/approve", session, Map.of("code", air.freshCode(who)));
        assertEquals(200, r.status(), r.body());
    }

    static String redeem(String id) throws Exception {
        Reply r = air.postForm("/oauth2/token", fx.basic, Map.of("grant_type", "urn:openid:params:grant-type:ciba",
                "auth_req_id", id));
        assertEquals(200, r.status(), r.body());
        return r.json().path("access_token").asText();
    }
}
