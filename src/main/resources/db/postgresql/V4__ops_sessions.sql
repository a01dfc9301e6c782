-- Ops sessions shared by every replica (docs/decisions.md, "Shared keys, sessions and policy across replicas"): a
-- sign-in through one replica is known to the others, a sign-out ends it on all. The key is the SHA-256 of the session
-- token, never the token: this table hands out no live session. A sign-out (or an account's sessions ended) sets
-- "closed" with a new seq, a tombstone replicas read by change sequence like any other row (NOTIFY has no replay);
-- rows past expires_ms (sign-in + 8 h, the absolute lifetime) are deleted by any replica. Times are epoch
-- milliseconds here, not seconds as elsewhere: the 15-minute idle bound is compared with them, to the request.
CREATE TABLE ops_sessions (
    key_hash   text    PRIMARY KEY,
    name       text    NOT NULL,
    enrolment  text    NOT NULL,
    created_ms bigint  NOT NULL,
    last_ms    bigint  NOT NULL,
    expires_ms bigint  NOT NULL,
    closed     boolean NOT NULL,
    seq        bigint  NOT NULL
);
CREATE INDEX ops_sessions_seq ON ops_sessions (seq);
CREATE INDEX ops_sessions_name ON ops_sessions (name);
CREATE INDEX ops_sessions_expires ON ops_sessions (expires_ms);
