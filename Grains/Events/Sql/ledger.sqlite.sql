-- The tamper-evident event log in the embedded default's SQLite file (see ledger.postgres.sql). Idempotent.
CREATE TABLE IF NOT EXISTS event_log_heads (
    space TEXT    PRIMARY KEY,
    size  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS event_log_leaves (
    space      TEXT    NOT NULL,
    leaf_index INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    leaf_input BLOB    NOT NULL,
    PRIMARY KEY (space, leaf_index)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS event_log_leaves_seq ON event_log_leaves (seq);
