-- consciousness_events as a TimescaleDB hypertable (used when the timescaledb extension is installed and preloaded):
-- one-day chunks; retention drops whole chunks (drop_chunks). Idempotent like events.partitioned.sql.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS timescaledb;

CREATE TABLE IF NOT EXISTS consciousness_events (
    id          uuid             NOT NULL,
    user_id     uuid             NOT NULL,
    space       text             NOT NULL,
    event_type  varchar(50)      NOT NULL,
    event_data  bytea            NOT NULL,   -- sealed: AES-GCM under the subject's data key (Privacy/)
    position    geometry(Point, 0),
    resonance   float8,
    "timestamp" timestamptz      NOT NULL,
    PRIMARY KEY ("timestamp", id)
);
-- The default time index would duplicate the BRIN below.
SELECT create_hypertable('consciousness_events', 'timestamp', chunk_time_interval => interval '1 day',
                         create_default_indexes => false, if_not_exists => true);

CREATE INDEX IF NOT EXISTS consciousness_events_position ON consciousness_events USING gist (position);
CREATE INDEX IF NOT EXISTS consciousness_events_time ON consciousness_events USING brin ("timestamp");
CREATE INDEX IF NOT EXISTS consciousness_events_space_time ON consciousness_events (space, "timestamp");
CREATE INDEX IF NOT EXISTS consciousness_events_user_time ON consciousness_events (user_id, "timestamp");

CREATE TABLE IF NOT EXISTS consciousness_event_ids (
    id          uuid        PRIMARY KEY,
    "timestamp" timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS consciousness_event_ids_time ON consciousness_event_ids USING brin ("timestamp");
