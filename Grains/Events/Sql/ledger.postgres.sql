-- The tamper-evident event log (docs/ledger.md). Not partitioned and not touched by retention: a leaf outlives its
-- event's row, so proofs of retained events keep verifying after older partitions are dropped. Idempotent.

-- One row per space: how many leaves its log has; the row '' counts every leaf (the global commit sequence the Redis
-- export follows). A committing batch advances them with UPDATE ... RETURNING inside its own transaction, so the row
-- lock orders concurrent silos' commits: indexes are contiguous and in commit order, never gapped or reordered.
CREATE TABLE IF NOT EXISTS event_log_heads (
    space text   PRIMARY KEY,
    size  bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS event_log_leaves (
    space      text   NOT NULL,
    leaf_index bigint NOT NULL,     -- 0-based position in the space's tree
    seq        bigint NOT NULL,     -- 1-based position in the global commit sequence
    leaf_input bytea  NOT NULL,     -- the canonical leaf input (LeafInput.cs), event id included; leaf hash = SHA-256(0x00 || it)
    PRIMARY KEY (space, leaf_index)
);
-- No index by event id: every index here is paid by every commit, and the space's log grain maps ids to indexes as
-- it loads the leaves.
CREATE UNIQUE INDEX IF NOT EXISTS event_log_leaves_seq ON event_log_leaves (seq);
