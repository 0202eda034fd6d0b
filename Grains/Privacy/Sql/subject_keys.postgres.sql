-- The key store of encryption at rest (PostgreSQL): one data key per subject, wrapped by a master key that is never
-- stored here. A shredded (erased) subject keeps a row without a key, so no writer can create a new key for it and
-- every payload sealed by the old one stays unreadable. Idempotent; runs in the event store's locked schema transaction.
CREATE TABLE IF NOT EXISTS resonance_master_keys (
    id          text        PRIMARY KEY,
    check_value bytea       NOT NULL,   -- a fixed value sealed by the key: a changed key under the same id is noticed
    created_utc timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS resonance_subject_keys (
    subject       uuid        PRIMARY KEY,
    master_key_id text,
    wrapped_key   bytea,
    created_utc   timestamptz NOT NULL DEFAULT now(),
    erased_utc    timestamptz,
    CHECK ((wrapped_key IS NULL) = (erased_utc IS NOT NULL)),
    CHECK ((wrapped_key IS NULL) = (master_key_id IS NULL))
);
CREATE INDEX IF NOT EXISTS resonance_subject_keys_master ON resonance_subject_keys (master_key_id) WHERE wrapped_key IS NOT NULL;

CREATE TABLE IF NOT EXISTS resonance_migrations (
    service_id  text        NOT NULL,
    name        text        NOT NULL,
    rows_moved  bigint      NOT NULL,
    applied_utc timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, name)
);
