-- Agent lifecycle (issue 16; docs/decisions.md, "Agent lifecycle and destructive budget (issue 16)"): run-time state
-- of an agent declared in agents.yaml. "disabled" refuses its credentials and every token it holds; an enable keeps
-- the row with disabled = false (a tombstone replicas read by seq, like an unfreeze). "tokens_void_until" (epoch
-- seconds) voids every token issued to the agent with iat at or before it ('airlock agent revoke-tokens'); it only
-- moves forward (GREATEST), so no replica's stepped-back clock revives a voided token.
CREATE TABLE agent_states (
    agent_id          text    PRIMARY KEY,
    disabled          boolean NOT NULL,
    tokens_void_until bigint,
    seq               bigint  NOT NULL
);
CREATE INDEX agent_states_seq ON agent_states (seq);
