-- consciousness_events without TimescaleDB: native range partitions, one per UTC day, created ahead by the gateway.
-- Every statement is idempotent; the gateway runs this under an advisory lock, so concurrent gateways are harmless.
CREATE EXTENSION IF NOT EXISTS postgis;

-- A partitioned table's primary key must contain the partition key, hence ("timestamp", id); id alone is kept unique
-- by consciousness_event_ids below.
CREATE TABLE IF NOT EXISTS consciousness_events (
    id          uuid             NOT NULL,
    user_id     uuid             NOT NULL,
    space       text             NOT NULL,
    event_type  varchar(50)      NOT NULL,
    event_data  bytea            NOT NULL,   -- sealed: AES-GCM under the subject's data key (Privacy/)
    position    geometry(Point, 0),          -- field units, not a geographic SRID
    resonance   float8,
    "timestamp" timestamptz      NOT NULL,
    PRIMARY KEY ("timestamp", id)
) PARTITION BY RANGE ("timestamp");

-- Defined on the parent, so every partition gets them.
CREATE INDEX IF NOT EXISTS consciousness_events_position ON consciousness_events USING gist (position);
CREATE INDEX IF NOT EXISTS consciousness_events_time ON consciousness_events USING brin ("timestamp");
CREATE INDEX IF NOT EXISTS consciousness_events_space_time ON consciousness_events (space, "timestamp");
-- A subject's own events (export).
CREATE INDEX IF NOT EXISTS consciousness_events_user_time ON consciousness_events (user_id, "timestamp");

-- Idempotency on id alone: a retried event may carry a new timestamp (the gateway stamps on receipt), which the
-- (timestamp, id) key would not catch. Rows live as long as their event's partition.
CREATE TABLE IF NOT EXISTS consciousness_event_ids (
    id          uuid        PRIMARY KEY,
    "timestamp" timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS consciousness_event_ids_time ON consciousness_event_ids USING brin ("timestamp");
