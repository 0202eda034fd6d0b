-- Per-minute rollups of consciousness_events, written by the rollup grains. Idempotent; run under an advisory lock.
CREATE TABLE IF NOT EXISTS event_rollups (
    space          text        NOT NULL,
    minute         timestamptz NOT NULL,   -- start of the minute (UTC)
    avg_resonance  float8,                 -- null: no event of the minute carried a resonance
    active_users   integer     NOT NULL,
    event_count    integer     NOT NULL,
    centroid_x     float8,                 -- null: no event of the minute had a position
    centroid_y     float8,
    clusters       jsonb       NOT NULL,   -- [{x, y, count, sumSquares}], k-means in seeding order
    PRIMARY KEY (space, minute)
);

-- Minutes whose rollup is out of date: every committed batch adds one row per (space, minute) it stored events for, in the
-- same transaction; the rollup grain recomputes those minutes and deletes exactly the rows it read. Append-only, so
-- concurrent writers never wait on each other here.
CREATE TABLE IF NOT EXISTS event_rollup_marks (
    seq    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    space  text        NOT NULL,
    minute timestamptz NOT NULL            -- start of the minute (UTC)
);
CREATE INDEX IF NOT EXISTS event_rollup_marks_space_minute ON event_rollup_marks (space, minute);
