package dev.airlock.core.ops;

/** The embedded file store's sessions: in memory, one process, nothing shared. */
class LocalSessionStoreTest extends SessionStoreContract {
    @Override
    protected SessionStore store() {
        return SessionStore.LOCAL;
    }

    @Override
    protected void caughtUp() {}
}
