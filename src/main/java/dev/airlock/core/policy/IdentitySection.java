package dev.airlock.core.policy;

import com.nimbusds.jose.JWSAlgorithm;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the optional {@code identity.yaml}: the identity providers whose users' tokens agents may exchange (RFC 8693).
 * Its own file, not a part of {@code agents.yaml}: it is trust in outside parties, reviewed by other people than the
 * agent list, and an absent file means plainly "no delegation at all". Strict like every policy file: unknown keys,
 * a plain-http key URL, a symmetric algorithm, an unknown agent are located errors.
 */
final class IdentitySection {
    static final String FILE = "identity.yaml";
    static final int MAX_ISSUERS = 16;
    private static final Pattern CLAIM = Pattern.compile("[A-Za-z_][A-Za-z0-9_.:-]{0,63}");
    private static final Pattern URL_TEXT = Pattern.compile("\\S{1,512}");
    private static final Pattern SUBJECT = Pattern.compile("[^\\p{Cntrl}]{1,255}");

    private IdentitySection() {}

    /** @param agents the agents read from agents.yaml, or null if it is too broken to check names against */
    static List<TrustedIssuer> read(YamlNode root, StrictReader r, Set<String> agents) {
        List<TrustedIssuer> out = new ArrayList<>();
        if (root == null || (root instanceof YamlNode.ScalarNode s && s.kind() == YamlNode.ScalarNode.Kind.NULL)) {
            return out;
        }
        StrictReader.Fields top = r.fields(root, "", List.of("issuers"), List.of());
        List<YamlNode> items = top == null || top.get("issuers") == null ? null : r.list(top.get("issuers"), "issuers");
        if (items == null) return out;
        if (items.size() > MAX_ISSUERS) {
            r.error(top.get("issuers"), "issuers", "at most " + MAX_ISSUERS + " issuers");
            return out;
        }
        Map<String, Integer> ids = new LinkedHashMap<>();
        Map<String, Integer> urls = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String path = StrictReader.index("issuers", i);
            StrictReader.Fields f = r.fields(items.get(i), path,
                    List.of("id", "issuer", "jwks_uri", "audience", "algorithms", "agents"),
                    List.of("subject_claim", "name_claim", "max_token_age", "ops_accounts"));
            if (f == null) continue;
            TrustedIssuer t = issuer(f, r, agents);
            if (t == null) continue;
            Integer first = ids.putIfAbsent(t.id(), f.get("id").line());
            if (first != null) {
                r.error(f.get("id"), f.path("id"), "duplicate issuer id '" + t.id() + "' (first at line " + first + ")");
                continue;
            }
            first = urls.putIfAbsent(t.issuer(), f.get("issuer").line());
            if (first != null) {
                r.error(f.get("issuer"), f.path("issuer"), "issuer " + t.issuer() + " is listed twice (first at line "
                        + first + "): one issuer, one set of rules");
                continue;
            }
            out.add(t);
        }
        return out;
    }

    private static TrustedIssuer issuer(StrictReader.Fields f, StrictReader r, Set<String> knownAgents) {
        String id = f.name("id", AgentsSection.ID, "issuer id");
        String issuer = f.name("issuer", URL_TEXT, "issuer");
        String audience = f.name("audience", URL_TEXT, "audience");
        URI jwks = jwksUri(f, r);
        Set<JWSAlgorithm> algorithms = algorithms(f, r);
        String subjectClaim = f.get("subject_claim") == null ? "sub" : f.name("subject_claim", CLAIM, "claim name");
        String nameClaim = f.get("name_claim") == null ? null : f.name("name_claim", CLAIM, "claim name");
        Duration maxAge = maxAge(f, r);
        Set<String> agents = agents(f, r, knownAgents);
        Map<String, String> links = links(f, r);
        if (id == null || issuer == null || audience == null || jwks == null || algorithms == null
                || subjectClaim == null || (f.get("name_claim") != null && nameClaim == null) || maxAge == null
                || agents == null || links == null) {
            return null;
        }
        return new TrustedIssuer(id, issuer, jwks, audience, algorithms, subjectClaim, nameClaim, maxAge, agents, links);
    }

    private static URI jwksUri(StrictReader.Fields f, StrictReader r) {
        String s = f.name("jwks_uri", URL_TEXT, "jwks_uri");
        if (s == null) return null;
        URI u;
        try {
            u = new URI(s);
        } catch (URISyntaxException e) {
            r.error(f.get("jwks_uri"), f.path("jwks_uri"), "jwks_uri is not a URL");
            return null;
        }
        String problem = TrustedIssuer.jwksUriProblem(u);
        if (problem != null) {
            r.error(f.get("jwks_uri"), f.path("jwks_uri"), problem);
            return null;
        }
        return u;
    }

    private static Set<JWSAlgorithm> algorithms(StrictReader.Fields f, StrictReader r) {
        List<YamlNode> items = r.list(f.get("algorithms"), f.path("algorithms"));
        if (items == null) return null;
        Set<JWSAlgorithm> out = new LinkedHashSet<>();
        boolean ok = !items.isEmpty();
        if (items.isEmpty()) r.error(f.get("algorithms"), f.path("algorithms"), "name at least one algorithm");
        for (int i = 0; i < items.size(); i++) {
            String p = StrictReader.index(f.path("algorithms"), i);
            String s = r.string(items.get(i), p);
            if (s == null) {
                ok = false;
                continue;
            }
            JWSAlgorithm a = JWSAlgorithm.parse(s);
            if (!TrustedIssuer.SUPPORTED.contains(a)) {
                // RFC 8725 §3.1-3.2: none is no signature; HS* would verify with a key that is not secret to us.
                r.error(items.get(i), p, "algorithm '" + s + "' is not accepted (asymmetric only: RS256..RS512,"
                        + " PS256..PS512, ES256..ES512; never none or HMAC)");
                ok = false;
                continue;
            }
            out.add(a);
        }
        return ok ? out : null;
    }

    private static Duration maxAge(StrictReader.Fields f, StrictReader r) {
        YamlNode node = f.get("max_token_age");
        if (node == null) return TrustedIssuer.DEFAULT_MAX_TOKEN_AGE;
        String s = r.string(node, f.path("max_token_age"));
        if (s == null) return null;
        try {
            Duration d = EnvironmentsSection.parseDuration(s);
            if (d.isZero() || d.compareTo(TrustedIssuer.MAX_MAX_TOKEN_AGE) > 0) {
                r.error(node, f.path("max_token_age"), "max_token_age must be above zero and at most 24h, got " + s);
                return null;
            }
            return d;
        } catch (IllegalArgumentException e) {
            r.error(node, f.path("max_token_age"), e.getMessage());
            return null;
        }
    }

    private static Set<String> agents(StrictReader.Fields f, StrictReader r, Set<String> known) {
        List<YamlNode> items = r.list(f.get("agents"), f.path("agents"));
        if (items == null) return null;
        if (items.isEmpty()) {
            r.error(f.get("agents"), f.path("agents"), "name at least one agent that may act for this issuer's users");
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            String p = StrictReader.index(f.path("agents"), i);
            String id = r.name(items.get(i), p, AgentsSection.ID, "agent id");
            if (id == null) {
                ok = false;
            } else if (known != null && !known.contains(id)) {
                r.error(items.get(i), p, "unknown agent '" + id + "' (not in agents.yaml)");
                ok = false;
            } else {
                out.add(id);
            }
        }
        return ok ? out : null;
    }

    private static Map<String, String> links(StrictReader.Fields f, StrictReader r) {
        YamlNode node = f.get("ops_accounts");
        if (node == null) return Map.of();
        if (!(node instanceof YamlNode.MapNode map)) {
            r.error(node, f.path("ops_accounts"), "expected a map of ops account name to subject, got " + node.describe());
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        boolean ok = true;
        for (YamlNode.Entry e : map.entries().values()) {
            String p = StrictReader.child(f.path("ops_accounts"), e.key());
            if (!AgentsSection.ID.matcher(e.key()).matches()) {
                r.error(e.line(), p, "malformed ops account name '" + e.key() + "'");
                ok = false;
                continue;
            }
            String subject = r.name(e.value(), p, SUBJECT, "subject");
            if (subject == null) ok = false;
            else out.put(e.key(), subject);
        }
        return ok ? out : null;
    }
}
