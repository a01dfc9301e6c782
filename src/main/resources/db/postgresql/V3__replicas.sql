-- Replicas that serve, and how far each has read the change feed (docs/decisions.md, "Administration without the data
-- directory"): a state-changing command run with --store waits until every live replica has read its change, so that
-- when it returns the change is in effect everywhere (issue 14, must-show 6).
CREATE TABLE replicas (
    id        text        PRIMARY KEY,
    seen_seq  bigint      NOT NULL,
    heartbeat timestamptz NOT NULL
);
