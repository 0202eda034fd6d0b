-- The key store of encryption at rest (the embedded default's events file): as subject_keys.postgres.sql.
CREATE TABLE IF NOT EXISTS resonance_master_keys (
    id          TEXT PRIMARY KEY,
    check_value BLOB NOT NULL,
    created_utc TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE IF NOT EXISTS resonance_subject_keys (
    subject       TEXT PRIMARY KEY,
    master_key_id TEXT,
    wrapped_key   BLOB,
    created_utc   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    erased_utc    TEXT,
    CHECK ((wrapped_key IS NULL) = (erased_utc IS NOT NULL)),
    CHECK ((wrapped_key IS NULL) = (master_key_id IS NULL))
);
CREATE INDEX IF NOT EXISTS resonance_subject_keys_master ON resonance_subject_keys (master_key_id) WHERE wrapped_key IS NOT NULL;

CREATE TABLE IF NOT EXISTS resonance_migrations (
    service_id  TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    rows_moved  INTEGER NOT NULL,
    applied_utc TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (service_id, name)
);
