package dev.airlock.core.scan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.core.crypto.SecretShapes;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Credentials recognised by their published shape, wherever they are: a prefix the vendor chose so that scanners can
 * find them, and a checksum where the format has one. Each is anchored on both sides, so a longer run of the same
 * alphabet (a hash, a base64 blob) does not yield a token.
 *
 * <ul>
 *   <li>GitHub {@code ghp_ gho_ ghu_ ghs_ ghr_} + 36 base62, the last 6 a CRC32 checksum ({@link Base62Crc});
 *       fine-grained {@code github_pat_} + 22 + {@code _} + 59 (no published checksum: shape only);</li>
 *   <li>npm {@code npm_} + 36 base62 with the same checksum;</li>
 *   <li>AWS access key ids {@code AKIA}/{@code ASIA} + 16 of base32's upper-case alphabet, reported only with a
 *       secret access key (40 base64 characters) within {@value #AWS_SECRET_LINES} lines: an id alone grants
 *       nothing;</li>
 *   <li>Slack {@code xoxa- xoxb- xoxp- xoxr-} + numeric id + token; Stripe live secret and restricted keys
 *       {@code sk_live_}/{@code rk_live_} (test-mode keys are not credentials to anything real); GitLab
 *       {@code glpat-} + 20 or more; PyPI {@code pypi-AgEI} (a macaroon whose location is pypi.org) + 50 or more;
 *       Google API keys {@code AIza} + 35;</li>
 *   <li>PEM private keys: a {@code -----BEGIN ... PRIVATE KEY-----} line followed by at least 64 base64 characters
 *       (a header alone, in code that parses keys, is not a key);</li>
 *   <li>JWTs: three base64url parts whose header decodes to a JSON object with a signing {@code alg} (not
 *       {@code none}) and whose payload decodes to a JSON object (RFC 7519 §7.2);</li>
 *   <li>Airlock's own agent secrets: {@code airlock_sk_} and 32 or more base64url characters
 *       ({@link SecretShapes#CLIENT_SECRET_PREFIX}).</li>
 * </ul>
 */
final class TokenFormats {
    static final int AWS_SECRET_LINES = 5;
    /** PEM bodies are read for at most this many lines to fingerprint them. */
    static final int MAX_PEM_LINES = 200;
    static final int MIN_PEM_BODY = 64;
    static final int MAX_JWT_LENGTH = 16 * 1024;

    private static final String B = "(?<![A-Za-z0-9_-])";
    private static final String E = "(?![A-Za-z0-9_-])";
    /** Made on the first JWT-shaped text: most scans meet none, and {@code airlock env} starts faster without it. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    /**
     * @param prefix  the length of the vendor's fixed prefix, after which a sample token shows ({@link Placeholders})
     * @param anchors literal text every match contains: a line without any is not given to the expression, which
     *                keeps a scan of ordinary text at a few {@code indexOf} calls a line ({@code airlock env} runs one)
     */
    private record Format(CredentialKind kind, int prefix, Pattern pattern, Check check, String... anchors) {
        boolean mayMatch(String line) {
            for (String a : anchors) {
                if (line.contains(a)) return true;
            }
            return false;
        }
    }

    private interface Check {
        boolean ok(String token);
    }

    private static final List<Format> SINGLE_LINE = List.of(
            new Format(CredentialKind.GITHUB_TOKEN, 4, Pattern.compile(B + "gh[pousr]_[0-9A-Za-z]{36}" + E),
                    t -> Base62Crc.valid(t, 4), "ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
            new Format(CredentialKind.GITHUB_TOKEN, 11, Pattern.compile(B + "github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59}" + E),
                    t -> true, "github_pat_"),
            new Format(CredentialKind.NPM_TOKEN, 4, Pattern.compile(B + "npm_[0-9A-Za-z]{36}" + E),
                    t -> Base62Crc.valid(t, 4), "npm_"),
            new Format(CredentialKind.SLACK_TOKEN, 5, Pattern.compile(B + "xox[abpr]-[0-9]{6,}-[0-9A-Za-z-]{8,}" + E),
                    t -> true, "xox"),
            new Format(CredentialKind.STRIPE_KEY, 8, Pattern.compile(B + "[sr]k_live_[0-9A-Za-z]{24,}" + E), t -> true,
                    "k_live_"),
            new Format(CredentialKind.GITLAB_TOKEN, 6, Pattern.compile(B + "glpat-[0-9A-Za-z_-]{20,}" + E), t -> true,
                    "glpat-"),
            new Format(CredentialKind.PYPI_TOKEN, 9, Pattern.compile(B + "pypi-AgEI[0-9A-Za-z_-]{50,}" + E), t -> true,
                    "pypi-AgEI"),
            new Format(CredentialKind.GOOGLE_API_KEY, 4, Pattern.compile(B + "AIza[0-9A-Za-z_-]{35}" + E), t -> true,
                    "AIza"),
            new Format(CredentialKind.AIRLOCK_AGENT_SECRET, SecretShapes.CLIENT_SECRET_PREFIX.length(),
                    Pattern.compile(Pattern.quote(SecretShapes.CLIENT_SECRET_PREFIX) + "[A-Za-z0-9_-]{32,}" + E),
                    t -> true, SecretShapes.CLIENT_SECRET_PREFIX),
            new Format(CredentialKind.JWT, 0, Pattern.compile(B + "eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,}"
                    + E), TokenFormats::isJwt, "eyJ"));

    private static final Pattern AWS_KEY_ID = Pattern.compile("(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Z0-9])");
    private static final Pattern AWS_SECRET = Pattern.compile("(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])");
    private static final Pattern PEM_BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----");
    private static final Pattern PEM_END = Pattern.compile("-----END ");
    private static final Pattern BASE64_RUN = Pattern.compile("[A-Za-z0-9+/=]+");

    private TokenFormats() {}

    /** Every format found on line {@code i} (0-based) of {@code lines}; hits carry 1-based line numbers. */
    static void scan(List<String> lines, int i, List<Hit> out) {
        String line = lines.get(i);
        for (Format f : SINGLE_LINE) {
            if (!f.mayMatch(line)) continue;
            Matcher m = f.pattern().matcher(line);
            while (m.find()) {
                String token = m.group();
                if (f.check().ok(token) && !Placeholders.isSampleToken(token, f.prefix())) {
                    out.add(new Hit(i + 1, f.kind(), Hit.Source.FORMAT, token, null));
                }
            }
        }
        awsKey(lines, i, out);
        privateKey(lines, i, out);
    }

    private static void awsKey(List<String> lines, int i, List<Hit> out) {
        String line = lines.get(i);
        if (!line.contains("AKIA") && !line.contains("ASIA")) return;
        Matcher m = AWS_KEY_ID.matcher(line);
        while (m.find()) {
            String id = m.group();
            if (Placeholders.isSampleToken(id, 4) || !secretNear(lines, i)) continue;
            out.add(new Hit(i + 1, CredentialKind.AWS_ACCESS_KEY, Hit.Source.FORMAT, id, null));
        }
    }

    /** A 40-character secret access key, not a placeholder, within {@link #AWS_SECRET_LINES} lines of line i. */
    private static boolean secretNear(List<String> lines, int i) {
        for (int j = Math.max(0, i - AWS_SECRET_LINES); j <= Math.min(lines.size() - 1, i + AWS_SECRET_LINES); j++) {
            Matcher s = AWS_SECRET.matcher(lines.get(j));
            while (s.find()) {
                String secret = s.group();
                // Mixed case and a digit: a path or a word run of 40 letters is not a key.
                boolean mixed = secret.chars().anyMatch(Character::isUpperCase)
                        && secret.chars().anyMatch(Character::isLowerCase) && secret.chars().anyMatch(Character::isDigit);
                if (mixed && !Placeholders.isSampleToken(secret, 0)) return true;
            }
        }
        return false;
    }

    /**
     * A PEM private key: the header, then its base64 body on the following lines or, in a JSON string (a service
     * account key file), after literal {@code \n} escapes on the same line. The fingerprint is of the body.
     */
    private static void privateKey(List<String> lines, int i, List<Hit> out) {
        String line = lines.get(i);
        if (!line.contains("PRIVATE KEY-----")) return;
        Matcher m = PEM_BEGIN.matcher(line);
        if (!m.find()) return;
        StringBuilder body = new StringBuilder();
        String rest = line.substring(m.end());
        if (rest.startsWith("\\n")) {
            for (String part : rest.split("\\\\n")) {
                if (PEM_END.matcher(part).lookingAt()) break;
                appendBase64(body, part);
            }
        } else {
            for (int j = i + 1; j < lines.size() && j <= i + MAX_PEM_LINES; j++) {
                String l = lines.get(j).strip();
                if (PEM_END.matcher(l).lookingAt()) break;
                if (l.contains(":") && body.isEmpty()) continue; // RFC 1421 headers of an encrypted key
                appendBase64(body, l);
            }
        }
        if (body.length() < MIN_PEM_BODY || Placeholders.isSampleToken(body.toString(), 0)) return;
        out.add(new Hit(i + 1, CredentialKind.PRIVATE_KEY, Hit.Source.FORMAT, body.toString(), null));
    }

    private static void appendBase64(StringBuilder body, String part) {
        String s = part.strip();
        if (BASE64_RUN.matcher(s).matches()) body.append(s);
    }

    /** RFC 7519 §7.2 steps 1 to 5 and 8: a JOSE header object with a real {@code alg}, a JSON object payload. */
    static boolean isJwt(String token) {
        if (token.length() > MAX_JWT_LENGTH) return false;
        String[] parts = token.split("\\.");
        if (parts.length != 3) return false;
        try {
            Base64.Decoder d = Base64.getUrlDecoder();
            JsonNode header = Json.MAPPER.readTree(d.decode(parts[0]));
            JsonNode payload = Json.MAPPER.readTree(d.decode(parts[1]));
            if (header == null || !header.isObject() || payload == null || !payload.isObject()) return false;
            JsonNode alg = header.get("alg");
            return alg != null && alg.isTextual() && !alg.asText().isEmpty() && !alg.asText().equalsIgnoreCase("none");
        } catch (IllegalArgumentException | java.io.IOException e) {
            return false;
        }
    }
}
