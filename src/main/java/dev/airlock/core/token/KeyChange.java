package dev.airlock.core.token;

import java.util.Objects;

/**
 * One step of the key schedule as a store records it ({@link KeyStore#record}). A shared store makes each a
 * compare-and-set, so that two replicas acting on the same due key produce one transition and one audit event: the
 * loser's step is not written and its events are not recorded.
 */
public sealed interface KeyChange {
    /** The key written, or null for a removal. */
    StoredKey key();

    /** The first key of an empty store, active at once; loses if any key was already activated. */
    record First(StoredKey key) implements KeyChange {
        public First {
            Objects.requireNonNull(key);
        }
    }

    /** A new key published ahead of signing ({@link KeyRotation}); loses if the kid is already stored. */
    record Publish(StoredKey key) implements KeyChange {
        public Publish {
            Objects.requireNonNull(key);
        }
    }

    /** A due key made the signing key ({@code key} carries its activation time); loses if it was activated already. */
    record Activate(StoredKey key) implements KeyChange {
        public Activate {
            Objects.requireNonNull(key.activatedAt(), "an activation needs its time");
        }
    }

    /** A key whose last token has expired leaves the store; loses if it is already gone. */
    record Remove(String kid) implements KeyChange {
        public Remove {
            Objects.requireNonNull(kid);
        }

        @Override
        public StoredKey key() {
            return null;
        }
    }
}
