-- consciousness_events in the embedded default's SQLite file. Idempotent (WAL is switched on before this runs).
CREATE TABLE IF NOT EXISTS consciousness_events (
    event_id   TEXT PRIMARY KEY,
    space      TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    event_type TEXT NOT NULL,
    data       BLOB NOT NULL,   -- sealed: AES-GCM under the subject's data key (Privacy/)
    x          REAL,
    y          REAL,
    resonance  REAL,
    ts_ms      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS consciousness_events_space_ts ON consciousness_events (space, ts_ms);
CREATE INDEX IF NOT EXISTS consciousness_events_ts ON consciousness_events (ts_ms);
