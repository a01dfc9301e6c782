package dev.airlock.core.crypto;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shapes of Airlock's own secrets, and the one rule that redacts them from anything written down. The audit log
 * is hash-chained and cannot be redacted afterwards, and log lines leave the machine; a secret an agent pastes into
 * the wrong field (its secret as its client id in HTTP Basic, a token in {@code scope}) must therefore be caught
 * before either is written (issue 13, finding 8). Every {@code AuditEvent} string value and every server log line
 * passes through {@link #redact}.
 *
 * <p>Shapes, not values: nothing here knows any secret. Each is specific enough that no identifier Airlock logs on
 * purpose (jti, kid, hashes, names) takes it:
 * <ul>
 *   <li>client secrets: {@value #CLIENT_SECRET_PREFIX} and what follows (what {@code airlock agent add} prints);</li>
 *   <li>ops session tokens: {@code ops_} and 32 or more base64url characters ({@code OpsSessions});</li>
 *   <li>JWTs (access tokens, grant tokens, client assertions): a JSON header in base64url ({@code eyJ}), a dot,
 *       a payload, optionally a signature (RFC 7515 §7.1);</li>
 *   <li>one-time passphrases: five dash-separated groups of five from {@code Passphrases.ALPHABET};</li>
 *   <li>TOTP secrets: 32 base32 characters (20 bytes, RFC 4648 §6, as enrolment prints them);</li>
 *   <li>master keys: 32 bytes in padded base64 ({@code AIRLOCK_MASTER_KEY}, {@code master.key}).</li>
 * </ul>
 * The ops shapes are spelled here rather than read from {@code core/ops} (which depends on this package);
 * {@code SecretShapesTest} generates each kind of secret with its real generator and fails if a shape drifts.
 * A match is replaced by {@code [redacted <kind> sha256:<16 hex>]}: the fingerprint lets an operator tell which
 * client secret leaked (its full SHA-256 is what the state journal stores) without putting the secret anywhere, and
 * the 64 bits it shows of a hash say nothing useful about a secret of 125 bits or more.
 */
public final class SecretShapes {
    public static final String CLIENT_SECRET_PREFIX = "airlock_sk_";

    private static final String B64URL = "[A-Za-z0-9_-]";
    private static final String OPS_SESSION_PREFIX = "ops_";
    private static final String PASSPHRASE_GROUP = "[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{5}";
    private static final Pattern SHAPES = Pattern.compile(
            "(?<clientSecret>" + Pattern.quote(CLIENT_SECRET_PREFIX) + B64URL + "*)"
            + "|(?<opsSession>(?<![A-Za-z0-9])" + Pattern.quote(OPS_SESSION_PREFIX) + B64URL + "{32,})"
            + "|(?<jwt>eyJ" + B64URL + "+\\." + B64URL + "{2,}(?:\\." + B64URL + "*)?)"
            + "|(?<passphrase>(?<![A-Za-z0-9])(?i:" + PASSPHRASE_GROUP + "(?:-" + PASSPHRASE_GROUP + "){4})(?![A-Za-z0-9]))"
            + "|(?<totpSecret>(?<![A-Za-z0-9])[A-Z2-7]{32}(?![A-Za-z0-9]))"
            + "|(?<masterKey>(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=)");
    private static final String[] KINDS = {"clientSecret", "opsSession", "jwt", "passphrase", "totpSecret", "masterKey"};
    private static final String[] LABELS = {"client secret", "ops session", "JWT", "passphrase", "TOTP secret",
        "master key"};
    /** The shortest secret shape is longer than this ({@code airlock_sk_} and one character): a cheap first test. */
    private static final int SHORTER_IS_SAFE = CLIENT_SECRET_PREFIX.length();

    private SecretShapes() {}

    /** {@code text} with every secret-shaped part replaced; the same instance when there is none (the usual case). */
    public static String redact(String text) {
        if (!mayContain(text)) return text;
        Matcher m = SHAPES.matcher(text);
        if (!m.find()) return text;
        StringBuilder out = new StringBuilder(text.length());
        int last = 0;
        do {
            out.append(text, last, m.start()).append(marker(m));
            last = m.end();
        } while (m.find());
        return out.append(text, last, text.length()).toString();
    }

    public static boolean containsSecret(String text) {
        return mayContain(text) && SHAPES.matcher(text).find();
    }

    /**
     * False when no shape can match, decided without the regular expression: every audit event passes here, and
     * almost none holds a secret (the expression alone cost about 1 µs a field; this, tens of nanoseconds).
     */
    private static boolean mayContain(String s) {
        if (s == null || s.length() <= SHORTER_IS_SAFE) return false;
        if (s.contains(CLIENT_SECRET_PREFIX) || s.contains(OPS_SESSION_PREFIX) || s.contains("eyJ")) return true;
        int n = s.length();
        if (n >= 29 && s.indexOf('-') >= 0) return true; // a passphrase: 5 groups of 5 and 4 dashes
        if (n >= 44 && s.indexOf('=') >= 0) return true; // a master key: 43 characters and '='
        int run = 0; // a TOTP secret: 32 characters of the base32 alphabet in a row
        for (int i = 0; i < n && n >= 32; i++) {
            char c = s.charAt(i);
            run = (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7') ? run + 1 : 0;
            if (run >= 32) return true;
        }
        return false;
    }

    private static String marker(Matcher m) {
        String label = "secret";
        for (int i = 0; i < KINDS.length; i++) {
            if (m.group(KINDS[i]) != null) {
                label = LABELS[i];
                break;
            }
        }
        String fingerprint = Hashes.sha256Hex(m.group()).substring(0, 16);
        return "[redacted " + label + " sha256:" + fingerprint + "]";
    }

    /** For tests and tools: the marker {@link #redact} writes for this exact secret. */
    public static String markerFor(String secret) {
        Matcher m = SHAPES.matcher(secret);
        if (!m.matches()) throw new IllegalArgumentException("not secret-shaped");
        return marker(m);
    }
}
