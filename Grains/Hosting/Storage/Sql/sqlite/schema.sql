-- Grain state for Orleans' ADO.NET provider on SQLite (the embedded default), written for this project. Same layout
-- and rules as Sql/postgres/schema.sql; idempotent. (The WAL journal is switched on
-- before this script runs: SQLite cannot change it inside a transaction.)
CREATE TABLE IF NOT EXISTS OrleansQuery (
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS grain_state (
    service_id      TEXT    NOT NULL,
    state_name      TEXT    NOT NULL,
    grain_n0        INTEGER NOT NULL,
    grain_n1        INTEGER NOT NULL,
    grain_key       TEXT    NOT NULL,
    grain_id_hash   INTEGER NOT NULL,
    grain_type_hash INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    payload         BLOB,
    modified_utc    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (service_id, state_name, grain_n0, grain_n1, grain_key)
);

CREATE TABLE IF NOT EXISTS resonance_migrations (
    service_id  TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    rows_moved  INTEGER NOT NULL,
    applied_utc TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (service_id, name)
);
