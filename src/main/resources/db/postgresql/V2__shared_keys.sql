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
