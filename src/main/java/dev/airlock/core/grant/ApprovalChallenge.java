package dev.airlock.core.grant;

import dev.airlock.core.crypto.Hashes;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The WebAuthn challenge an approver's passkey signs to approve one grant (issue 16). Derived, not only random:
 * SHA-256 over a canonical, length-prefixed encoding of a fresh server nonce and the grant's terms, so the signature
 * covers what the approver was shown. The server recomputes it at verification from the grant as stored, so an
 * assertion made for grant A fails on grant B (another id), and one made over other terms fails too.
 *
 * <p>Encoding: a domain tag, then each field as a 4-byte big-endian length and its bytes; lists as a count, then their
 * items so encoded, sorted (the order an agent listed them in is not a term); the reason and command as their SHA-256
 * (a long text need not travel twice), the command's absence distinct from an empty one. Length prefixes make the
 * encoding injective: no two different field tuples give the same bytes (no "ab"+"c" = "a"+"bc").
 */
public final class ApprovalChallenge {
    static final String DOMAIN = "airlock/grant-approval/v1";

    private ApprovalChallenge() {}

    public static byte[] of(byte[] nonce, Grant g) {
        return of(nonce, g.id(), g.environment(), g.scopes(), g.resources(), g.reason(), g.command());
    }

    public static byte[] of(byte[] nonce, String grantId, String environment, List<String> scopes,
                            List<String> resources, String reason, String command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        field(out, DOMAIN.getBytes(StandardCharsets.UTF_8));
        field(out, nonce);
        field(out, utf8(grantId));
        field(out, utf8(environment));
        list(out, scopes);
        list(out, resources);
        field(out, Hashes.sha256(utf8(reason == null ? "" : reason)));
        // A null command and an empty one are different terms: a presence byte before its digest.
        field(out, new byte[] {(byte) (command == null ? 0 : 1)});
        field(out, Hashes.sha256(utf8(command == null ? "" : command)));
        return Hashes.sha256(out.toByteArray());
    }

    private static void list(ByteArrayOutputStream out, List<String> items) {
        List<String> sorted = new ArrayList<>(items);
        sorted.sort(null);
        out.writeBytes(ByteBuffer.allocate(4).putInt(sorted.size()).array());
        for (String s : sorted) field(out, utf8(s));
    }

    private static void field(ByteArrayOutputStream out, byte[] b) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
        out.writeBytes(b);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
