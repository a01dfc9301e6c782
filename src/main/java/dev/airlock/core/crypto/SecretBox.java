package dev.airlock.core.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for secrets at rest (signing keys, later TOTP seeds). Each box binds an "associated data" label
 * (e.g. the key id), so a ciphertext moved to another slot fails to open instead of being used as something else.
 * Format: 12-byte random nonce || ciphertext+tag.
 */
public final class SecretBox {
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private final SecretKeySpec key;
    private final SecureRandom random;

    public SecretBox(byte[] key256, SecureRandom random) {
        if (key256.length != 32) throw new IllegalArgumentException("master key must be 32 bytes");
        this.key = new SecretKeySpec(key256.clone(), "AES");
        this.random = random;
    }

    public byte[] seal(byte[] plaintext, String label) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(label.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plaintext);
            byte[] out = Arrays.copyOf(nonce, NONCE + ct.length);
            System.arraycopy(ct, 0, out, NONCE, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** @throws GeneralSecurityException if the box was tampered with, sealed under another key, or for another label */
    public byte[] open(byte[] box, String label) throws GeneralSecurityException {
        if (box.length < NONCE + TAG_BITS / 8) throw new GeneralSecurityException("sealed box too short");
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, box, 0, NONCE));
        c.updateAAD(label.getBytes(StandardCharsets.UTF_8));
        return c.doFinal(box, NONCE, box.length - NONCE);
    }
}
