-- Per-minute rollups in the embedded default's SQLite file (next to consciousness_events). Idempotent.
CREATE TABLE IF NOT EXISTS event_rollups (
    space          TEXT    NOT NULL,
    minute_ms      INTEGER NOT NULL,
    avg_resonance  REAL,
    active_users   INTEGER NOT NULL,
    event_count    INTEGER NOT NULL,
    centroid_x     REAL,
    centroid_y     REAL,
    clusters       TEXT    NOT NULL,
    PRIMARY KEY (space, minute_ms)
);
