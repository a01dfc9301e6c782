package dev.airlock.core.policy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads an agent's {@code jwks}: the public keys that verify its {@code private_key_jwt} assertions (RFC 7523 §2.2). */
final class Jwks {
    /**
     * Private members of every JWK type (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). {@code k} is a symmetric
     * key, a secret by definition. Policy lives in git: a private key here is a leaked key.
     */
    private static final List<String> PRIVATE_MEMBERS = List.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

    private Jwks() {}

    static JWKSet read(StrictReader.Fields f, StrictReader r, AuthMethod auth) {
        YamlNode node = f.get("jwks");
        String path = f.path("jwks");
        if (auth == AuthMethod.CLIENT_SECRET_BASIC && node != null) {
            r.error(node, path, "jwks is only for auth: private_key_jwt (this agent uses client_secret_basic)");
            return null;
        }
        if (auth != AuthMethod.PRIVATE_KEY_JWT) return null;
        if (node == null) {
            r.error(f.get("auth"), f.path("auth"), "auth: private_key_jwt needs jwks with the agent's public key(s)");
            return null;
        }
        StrictReader.Fields set = r.fields(node, path, List.of("keys"), List.of());
        if (set == null || set.get("keys") == null) return null;
        List<YamlNode> keys = r.list(set.get("keys"), set.path("keys"));
        if (keys == null) return null;
        if (keys.isEmpty()) {
            r.error(set.get("keys"), set.path("keys"), "jwks has no keys");
            return null;
        }
        boolean ok = true;
        for (int i = 0; i < keys.size(); i++) {
            if (!(keys.get(i) instanceof YamlNode.MapNode key)) {
                r.error(keys.get(i), StrictReader.index(set.path("keys"), i), "expected a JWK map, got " + keys.get(i).describe());
                ok = false;
                continue;
            }
            for (String member : PRIVATE_MEMBERS) {
                if (key.entries().containsKey(member)) {
                    r.error(key.entries().get(member).line(), StrictReader.index(set.path("keys"), i),
                            "private key material ('" + member + "') in policy: secrets never live in policy;"
                                    + " publish only the public key and keep the private one with the agent");
                    ok = false;
                    break;
                }
            }
        }
        if (!ok) return null;
        JWKSet parsed;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) toJson(node);
            parsed = JWKSet.parse(json);
        } catch (ParseException | RuntimeException e) { // RuntimeException: a number YAML accepts and Java does not (0x1F)
            r.error(node, path, "not a valid JWK set: " + e.getMessage());
            return null;
        }
        // JWKSet.parse skips key types it does not know; a key we silently ignore would lock the agent out.
        if (parsed.getKeys().size() != keys.size()) {
            r.error(node, path, "jwks contains a key of an unsupported type (supported: OKP, EC, RSA)");
            return null;
        }
        for (int i = 0; i < keys.size(); i++) {
            String problem = publicKeyProblem(parsed.getKeys().get(i));
            if (problem != null) {
                r.error(keys.get(i), StrictReader.index(set.path("keys"), i), problem);
                ok = false;
            }
        }
        return ok ? parsed : null;
    }

    private static String publicKeyProblem(JWK jwk) {
        if (jwk.isPrivate()) return "private key material in policy: secrets never live in policy";
        if (jwk instanceof OctetKeyPair okp) {
            if (!Curve.Ed25519.equals(okp.getCurve())) return "OKP keys must be Ed25519, not " + okp.getCurve();
            if (okp.getDecodedX().length != 32) return "Ed25519 public key 'x' must be 32 bytes (base64url)";
        }
        return null;
    }

    /** The YAML tree as the plain JSON-like objects nimbus parses (RFC 7517 §5 is JSON). */
    private static Object toJson(YamlNode node) {
        if (node instanceof YamlNode.MapNode m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (YamlNode.Entry e : m.entries().values()) out.put(e.key(), toJson(e.value()));
            return out;
        }
        if (node instanceof YamlNode.ListNode l) {
            List<Object> out = new ArrayList<>();
            for (YamlNode item : l.items()) out.add(toJson(item));
            return out;
        }
        YamlNode.ScalarNode s = (YamlNode.ScalarNode) node;
        return switch (s.kind()) {
            case STRING -> s.text();
            case NUMBER -> new java.math.BigDecimal(s.text());
            case BOOLEAN -> Boolean.valueOf(s.text());
            case NULL -> null;
        };
    }
}
