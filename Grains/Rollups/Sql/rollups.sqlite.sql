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

-- Minutes whose rollup is out of date (see rollups.postgres.sql): one row per (space, minute) per committed batch.
CREATE TABLE IF NOT EXISTS event_rollup_marks (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    space     TEXT    NOT NULL,
    minute_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS event_rollup_marks_space_minute ON event_rollup_marks (space, minute_ms);
