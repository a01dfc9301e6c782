package dev.airlock.core.token;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.airlock.core.audit.AuditEvent;
import dev.airlock.core.audit.AuditSink;
import dev.airlock.core.crypto.SecretBox;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Airlock's signing keys, as a schedule ({@link KeySchedule}): NEXT keys are published but do not sign, one ACTIVE key
 * signs, RETIRED keys stay published until every token they signed has expired, then they are deleted. A running
 * server calls {@link #refresh} periodically: it re-reads the store (a {@code keys rotate} by another process shows up
 * there), activates a due key and deletes an expired one, each time writing the audit event before the change takes
 * effect, and then swaps in a new immutable snapshot. Minting and verifying read the snapshot through one volatile
 * reference, so a request never sees half a rotation.
 */
public final class KeyRing {
    /** What minting and verification read: immutable, replaced whole. */
    private record Snapshot(SigningKey active, Map<String, SigningKey> byKid, String jwksJson,
                            List<KeySchedule.Status> statuses) {}

    private final KeyStore store;
    private final SecretBox box;
    private final Clock clock;
    private final boolean createdFirstKey;
    /** Unsealing costs a GCM open and a key parse; a key's sealed bytes never change, so once per kid is enough. */
    private final Map<String, SigningKey> unsealed = new ConcurrentHashMap<>();
    private volatile Snapshot current;

    private KeyRing(KeyStore store, SecretBox box, Clock clock, boolean createdFirstKey) {
        this.store = store;
        this.box = box;
        this.clock = clock;
        this.createdFirstKey = createdFirstKey;
    }

    /** The keys of {@code <data>/keys}; see {@link #open(KeyStore, SecretBox, JWSAlgorithm, Clock, SecureRandom)}. */
    public static KeyRing open(Path dataDir, SecretBox box, JWSAlgorithm algorithm, Clock clock, SecureRandom random)
            throws IOException {
        return open(KeyFolder.of(dataDir), box, algorithm, clock, random);
    }

    /**
     * Loads every stored key. With no activated key yet (a new data directory), generates one of {@code algorithm}
     * and activates it at once: nothing was ever signed, so no verifier can hold a JWKS without it. Every later key
     * comes through {@link KeyRotation}, published ahead of signing. A key that cannot be unsealed stops the start.
     * The caller audits a first key it created ({@link #createdFirstKey}) once its log is open.
     */
    public static KeyRing open(KeyStore store, SecretBox box, JWSAlgorithm algorithm, Clock clock, SecureRandom random)
            throws IOException {
        return open(store, box, algorithm, clock, random, null);
    }

    /**
     * As above; with {@code audit} given, a first key is recorded with its {@code key.activated} event through
     * {@link KeyStore#record}, so on a shared store two replicas starting on an empty database create one key between
     * them (the loser loads the winner's).
     */
    public static KeyRing open(KeyStore store, SecretBox box, JWSAlgorithm algorithm, Clock clock, SecureRandom random,
                               AuditSink audit) throws IOException {
        Instant now = clock.instant();
        List<StoredKey> stored = store.list();
        boolean created = false;
        if (KeySchedule.active(KeySchedule.at(stored, now)).isEmpty()) {
            StoredKey first = KeyMaterial.generate(algorithm, box, random, now, now, now);
            if (audit == null) {
                store.put(first);
                created = true;
            } else {
                created = store.record(new KeyChange.First(first), List.of(AuditEvent.of("key.activated")
                        .with("kid", first.kid()).with("alg", algorithm.getName()).with("first", true).build()), audit);
            }
            stored = store.list();
        }
        KeyRing ring = new KeyRing(store, box, clock, created);
        ring.current = ring.snapshot(stored, now);
        return ring;
    }

    /** Whether {@link #open} generated the first key of this store (the caller audits it once its log is open). */
    public boolean createdFirstKey() {
        return createdFirstKey;
    }

    public SigningKey active() {
        return current.active();
    }

    public Optional<SigningKey> byKid(String kid) {
        return Optional.ofNullable(current.byKid().get(kid));
    }

    public JWKSet publicJwks() {
        List<JWK> jwks = new ArrayList<>();
        for (SigningKey k : current.byKid().values()) jwks.add(k.publicJwk());
        return new JWKSet(jwks);
    }

    /** The JWKS document (RFC 7517 §5), built once per snapshot. */
    public String jwksJson() {
        return current.jwksJson();
    }

    /** Every key's state as of the last refresh. */
    public List<KeySchedule.Status> statuses() {
        return current.statuses();
    }

    /**
     * Re-reads the store and applies the transitions that are due at the clock's now: activates a due NEXT key
     * (auditing {@code key.activated} and, for the key it replaces, {@code key.retired}) and removes DELETED keys
     * (auditing {@code key.deleted}). Each event is durable before its change: if the audit log cannot be written,
     * the change waits for the next refresh and the current key goes on signing (its retirement, and so its
     * deletion, only counts from the moment a successor really activated). Synchronised: one transition at a time.
     *
     * @throws IOException if the store cannot be read or written; the snapshot in use stays
     */
    public synchronized void refresh(AuditSink audit) throws IOException {
        Instant now = clock.instant();
        List<StoredKey> stored = store.list();
        List<KeySchedule.Status> statuses = KeySchedule.at(stored, now);
        Optional<KeySchedule.Status> due = KeySchedule.due(statuses, now);
        if (due.isPresent()) {
            StoredKey next = due.get().key();
            // Unsealed before anything is recorded: a key that cannot sign must not be announced as signing.
            unseal(next);
            Optional<KeySchedule.Status> previous = KeySchedule.active(statuses);
            List<AuditEvent> events = new ArrayList<>();
            events.add(AuditEvent.of("key.activated").with("kid", next.kid()).with("alg", next.algorithm().getName())
                    .with("replaces", previous.map(p -> p.key().kid()).orElse(null)).build());
            if (previous.isPresent()) {
                events.add(AuditEvent.of("key.retired").with("kid", previous.get().key().kid())
                        .with("alg", previous.get().key().algorithm().getName()).with("successor", next.kid())
                        .with("delete_after", now.plus(KeySchedule.RETIREMENT).toString()).build());
            }
            // Activation order is the order of activatedAt: never equal to the predecessor's (a coarse clock, or a
            // zero delay within one clock tick), or the tie would be broken by kid and could revive the old key.
            Instant at = previous.map(p -> p.key().activatedAt()).filter(p -> !now.isAfter(p))
                    .map(p -> p.plusNanos(1)).orElse(now);
            // A lost activation (another replica activated it first) wrote nothing: the re-read below has the winner's.
            store.record(new KeyChange.Activate(next.activated(at)), events, audit);
            stored = store.list();
            statuses = KeySchedule.at(stored, now);
        }
        for (KeySchedule.Status s : statuses) {
            if (s.state() != KeyState.DELETED) continue;
            store.record(new KeyChange.Remove(s.key().kid()), List.of(AuditEvent.of("key.deleted")
                    .with("kid", s.key().kid()).with("alg", s.key().algorithm().getName())
                    .with("retired", s.retiredAt() == null ? null : s.retiredAt().toString())
                    .with("never_signed", s.retiredAt() == null ? true : null).build()), audit);
            unsealed.remove(s.key().kid());
        }
        current = snapshot(stored, now);
    }

    private Snapshot snapshot(List<StoredKey> stored, Instant now) throws IOException {
        List<KeySchedule.Status> statuses = KeySchedule.at(stored, now);
        Map<String, SigningKey> byKid = new LinkedHashMap<>();
        SigningKey active = null;
        for (KeySchedule.Status s : statuses) {
            if (!KeySchedule.published(s.state())) continue;
            SigningKey k = unseal(s.key());
            byKid.put(k.kid(), k);
            if (s.state() == KeyState.ACTIVE) active = k;
        }
        if (active == null) throw new IOException("no signing key is active in the key store");
        List<JWK> jwks = new ArrayList<>();
        for (SigningKey k : byKid.values()) jwks.add(k.publicJwk());
        return new Snapshot(active, Map.copyOf(byKid), new JWKSet(jwks).toString(true), List.copyOf(statuses));
    }

    private SigningKey unseal(StoredKey k) throws IOException {
        SigningKey known = unsealed.get(k.kid());
        if (known != null) return known;
        SigningKey fresh = KeyMaterial.unseal(k, box);
        unsealed.put(k.kid(), fresh);
        return fresh;
    }

    KeyStore store() {
        return store;
    }

    SecretBox box() {
        return box;
    }
}
