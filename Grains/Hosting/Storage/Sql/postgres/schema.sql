-- Grain state for Orleans' ADO.NET provider (Microsoft.Orleans.Persistence.AdoNet), written for this project.
-- Idempotent: every silo applies it at start. The provider loads its statements from OrleansQuery; the silo upserts
-- this project's statements (Sql/postgres/<QueryKey>.sql) there after this script.
CREATE TABLE IF NOT EXISTS orleansquery (
    querykey  varchar(64) PRIMARY KEY,
    querytext text        NOT NULL
);

-- One row per (service, state name, grain key). The provider identifies a grain by N0/N1 (a Guid or integer key) and a
-- string (a string key, or the key extension); this table stores '' for "no string". The primary key is that full
-- identity, so two concurrent first writes of one grain cannot both insert: the loser sees a version conflict.
-- The provider's hashes are kept for diagnostics only; no statement looks rows up by hash.
CREATE TABLE IF NOT EXISTS grain_state (
    service_id      text        NOT NULL,
    state_name      text        NOT NULL,
    grain_n0        bigint      NOT NULL,
    grain_n1        bigint      NOT NULL,
    grain_key       text        NOT NULL,
    grain_id_hash   integer     NOT NULL,
    grain_type_hash integer     NOT NULL,
    version         integer     NOT NULL,
    payload         bytea,
    modified_utc    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT grain_state_identity PRIMARY KEY (service_id, state_name, grain_n0, grain_n1, grain_key)
);

-- Data moved from earlier layouts (LegacyGrainStateMigration records each finished move here).
CREATE TABLE IF NOT EXISTS resonance_migrations (
    service_id  text        NOT NULL,
    name        text        NOT NULL,
    rows_moved  bigint      NOT NULL,
    applied_utc timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, name)
);
