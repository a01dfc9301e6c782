-- Schema version 2 (docs/decisions.md, "Shared keys, sessions and policy across replicas (issue 14)").
-- Signing keys shared by every replica: the private key only sealed under the master key (AES-256-GCM, bound to its
-- kid), exactly as <data>/keys/<kid>.json holds it. Times are ISO-8601 instants as text, not epoch seconds: the
-- schedule orders activations to the nanosecond (a key activated within its predecessor's clock tick).
-- Each schedule step is a compare-and-set committed with its audit event under the chain's lock (change_head), and
-- moves the change sequence: replicas learn of it through NOTIFY and the sequence, as of any other change.
CREATE TABLE signing_keys (
    kid          text PRIMARY KEY,
    alg          text NOT NULL,
    published_at text NOT NULL,
    activates_at text NOT NULL,
    activated_at text,
    sealed       text NOT NULL,
    seq          bigint NOT NULL
);

-- The one key that signs the shared audit chain's checkpoints, sealed under the master key (bound to its
-- thumbprint) as <data>/audit.key holds it: 'audit verify --store --audit-key' pins one fingerprint for all
-- replicas. One row: the first replica to start inserts it (with its audit.key_created in the same transaction).
CREATE TABLE audit_key (
    id      smallint PRIMARY KEY CHECK (id = 1),
    kid     text NOT NULL,
    x       text NOT NULL,
    created text NOT NULL,
    sealed  text NOT NULL
);

-- The policy version replicas are asked to serve: the replica that reloads writes the hash of what it loaded with its
-- policy.reloaded event; every other replica reloads its own policy folder when it reads a newer seq, and reports in
-- /readyz when its folder yields another hash (docs/decisions.md).
CREATE TABLE policy_announcement (
    id          smallint PRIMARY KEY CHECK (id = 1),
    policy_hash text   NOT NULL,
    seq         bigint NOT NULL
);
