package dev.airlock.core.token;

import dev.airlock.core.policy.Policy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which state each stored key is in at a given moment: a pure function of the stored schedule and the clock, so every
 * process (and every replica of a shared store) reads the same answer from the same records.
 *
 * <ul>
 *   <li>A key not yet activated is {@link KeyState#NEXT}; it is <em>due</em> once its {@code activatesAt} passed.</li>
 *   <li>Of the activated keys, the one activated last is {@link KeyState#ACTIVE}.</li>
 *   <li>Every other activated key retired when its successor was activated; it stays {@link KeyState#RETIRED}
 *       (published) for {@link #RETIREMENT}, then is {@link KeyState#DELETED}.</li>
 *   <li>A key never activated but published before the active key is {@link KeyState#DELETED} (it never signed).</li>
 * </ul>
 */
public final class KeySchedule {
    /**
     * The {@code max-age} of the JWKS response ({@code Cache-Control}, RFC 9111 §5.2.2.1): how long a verifier may
     * keep using a JWKS it fetched. The publication delay is derived from it, so they cannot drift apart.
     */
    public static final Duration JWKS_MAX_AGE = Duration.ofMinutes(5);
    /**
     * Added to the JWKS max-age: a running server picks up a new key file within its refresh period (250 ms), and
     * replicas' clocks differ by a few seconds; a cache filled just before the new key was served must have expired
     * before any token carries that key.
     */
    public static final Duration PICKUP_MARGIN = Duration.ofSeconds(30);
    /** From publication to signing, unless the operator says otherwise ({@code keys rotate --publish-delay}). */
    public static final Duration DEFAULT_PUBLICATION_DELAY = JWKS_MAX_AGE.plus(PICKUP_MARGIN);
    /** The longest publication delay accepted: a scheduled rotation is not a place to park a key for days. */
    public static final Duration MAX_PUBLICATION_DELAY = Duration.ofHours(24);
    /**
     * How long a retired key stays published: the longest token lifetime (every token it signed has expired by
     * then), plus two minutes for verifiers that allow clock skew past {@code exp} (nimbus and most JWT libraries
     * allow 60 s) and for the swap of the signing key to reach every in-flight request.
     */
    public static final Duration RETIREMENT = Policy.MAX_TOKEN_LIFETIME.plus(Duration.ofMinutes(2));

    private KeySchedule() {}

    /**
     * One key's place in the schedule.
     *
     * @param retiredAt    when it stopped signing (its successor's activation); null unless RETIRED or DELETED, and
     *                     for a DELETED key that never signed
     * @param deleteAfter  when it leaves the JWKS; null unless RETIRED or DELETED, and for a key that never signed
     */
    public record Status(StoredKey key, KeyState state, Instant retiredAt, Instant deleteAfter) {
        public boolean due(Instant now) {
            return state == KeyState.NEXT && !now.isBefore(key.activatesAt());
        }
    }

    /** Every key's status at {@code now}, oldest activation first, keys not yet activated last. */
    public static List<Status> at(List<StoredKey> keys, Instant now) {
        List<StoredKey> activated = keys.stream().filter(k -> k.activatedAt() != null)
                .sorted(Comparator.comparing(StoredKey::activatedAt).thenComparing(StoredKey::kid)).toList();
        List<Status> out = new ArrayList<>();
        for (int i = 0; i < activated.size(); i++) {
            StoredKey k = activated.get(i);
            if (i == activated.size() - 1) {
                out.add(new Status(k, KeyState.ACTIVE, null, null));
                continue;
            }
            Instant retired = activated.get(i + 1).activatedAt();
            Instant delete = retired.plus(RETIREMENT);
            out.add(new Status(k, now.isBefore(delete) ? KeyState.RETIRED : KeyState.DELETED, retired, delete));
        }
        // A pending key published before the key now active lost a race between two rotations (two `keys rotate` at
        // once): it will never sign, so it has no tokens and is withdrawn at once rather than published for ever.
        Instant activePublished = activated.isEmpty() ? null : activated.get(activated.size() - 1).publishedAt();
        keys.stream().filter(k -> k.activatedAt() == null)
                .sorted(Comparator.comparing(StoredKey::activatesAt).thenComparing(StoredKey::kid))
                .forEach(k -> out.add(new Status(k, activePublished != null && k.publishedAt().isBefore(activePublished)
                        ? KeyState.DELETED : KeyState.NEXT, null, null)));
        return out;
    }

    /** The key that signs at {@code now}, if any was activated. */
    public static Optional<Status> active(List<Status> statuses) {
        return statuses.stream().filter(s -> s.state() == KeyState.ACTIVE).findFirst();
    }

    /** The key to activate now: the latest due one (a rotation is refused while another is pending, so at most one). */
    public static Optional<Status> due(List<Status> statuses, Instant now) {
        return statuses.stream().filter(s -> s.due(now)).max(Comparator.comparing(s -> s.key().activatesAt()));
    }

    /** Whether {@code state} is served in the JWKS. Exhaustive: a new state must decide. */
    public static boolean published(KeyState state) {
        return switch (state) {
            case NEXT, ACTIVE, RETIRED -> true;
            case DELETED -> false;
        };
    }
}
