-- Airlock's PostgreSQL store, schema version 1 (docs/decisions.md, "PostgreSQL store (issue 14)").
-- Times are epoch seconds (bigint): one representation, the one the embedded journal uses.
-- "seq" on a state row is the change sequence of the change that last wrote it: replicas re-read rows with
-- seq > the last they saw (NOTIFY only wakes them; it has no replay).

-- One row, locked (SELECT ... FOR UPDATE) by every transaction that changes state or appends to the audit chain:
-- seq order is then commit order, and the chain has one head for all replicas.
CREATE TABLE change_head (
    id               smallint PRIMARY KEY CHECK (id = 1),
    change_seq       bigint   NOT NULL,
    audit_seq        bigint   NOT NULL,
    audit_hash       text     NOT NULL,
    since_checkpoint integer  NOT NULL
);
INSERT INTO change_head VALUES (1, 0, 0, repeat('0', 64), 0);

CREATE TABLE revocations (
    jti        text   PRIMARY KEY,
    expires_at bigint NOT NULL,
    seq        bigint NOT NULL
);
CREATE INDEX revocations_seq ON revocations (seq);

CREATE TABLE frozen_environments (
    environment text    PRIMARY KEY,
    frozen      boolean NOT NULL,
    seq         bigint  NOT NULL
);
CREATE INDEX frozen_environments_seq ON frozen_environments (seq);

CREATE TABLE agent_secrets (
    agent_id   text   PRIMARY KEY,
    sha256_hex text   NOT NULL,
    seq        bigint NOT NULL
);
CREATE INDEX agent_secrets_seq ON agent_secrets (seq);

-- RFC 7523 section 3: an assertion is used once. The primary key makes the replay refusal one atomic
-- INSERT ... ON CONFLICT DO NOTHING, whichever replica sees the replay.
CREATE TABLE used_assertions (
    client_id  text   NOT NULL,
    jti        text   NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (client_id, jti)
);

-- Versioned records as the embedded journal writes them (one JSON encoding); compare-and-set on version.
CREATE TABLE grants (
    id      text    PRIMARY KEY,
    version bigint  NOT NULL CHECK (version >= 1),
    final   boolean NOT NULL,
    record  text    NOT NULL,
    seq     bigint  NOT NULL
);
CREATE INDEX grants_seq ON grants (seq);

CREATE TABLE ops_accounts (
    id      text   PRIMARY KEY,
    version bigint NOT NULL CHECK (version >= 1),
    record  text   NOT NULL,
    seq     bigint NOT NULL
);
CREATE INDEX ops_accounts_seq ON ops_accounts (seq);

-- The audit chain: each row is the exact line the audit file would hold (same hash chain, same signed
-- checkpoints), so 'airlock audit verify --store' checks it with the file verifier unchanged.
CREATE TABLE audit_log (
    seq  bigint PRIMARY KEY,
    type text   NOT NULL,
    line text   NOT NULL
);
