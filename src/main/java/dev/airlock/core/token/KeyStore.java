package dev.airlock.core.token;

import java.io.IOException;
import java.util.List;

/**
 * Where sealed signing keys live: the seam between the key ring and a store. The embedded store is a folder of files
 * ({@link KeyFolder}); a shared store (PostgreSQL, issue 14) implements the same three calls on a table, and every
 * replica then sees the same schedule. Implementations write each key atomically: a reader sees the old or the new
 * record, never a part.
 */
public interface KeyStore {
    /** Every key stored, in no particular order. */
    List<StoredKey> list() throws IOException;

    /** Stores {@code key}, replacing a stored key of the same kid. */
    void put(StoredKey key) throws IOException;

    /** Removes the key; no error if it is already gone (another process removed it first). */
    void remove(String kid) throws IOException;
}
