using System.Data;
using System.Data.Common;
using Resonance.Grains.Hosting.Storage;
using Resonance.Grains.Privacy;
using Resonance.Grains.Rollups;

namespace Resonance.Grains.Events;

/// <summary>
/// What differs between the event databases: the SQL text of each statement (parameters are <c>@name</c> in both) and
/// how ids and instants are stored (PostgreSQL: <c>uuid</c>, <c>timestamptz</c>, PostGIS points; SQLite: text, Unix
/// milliseconds, x/y columns). <see cref="EventStore"/> is the one implementation that runs them.
/// </summary>
public sealed class EventDialect
{
    public required StorageDialect Kind { get; init; }

    /// <summary>Schema scripts run in order at start (embedded <c>Sql/*.sql</c>); PostgreSQL's events table is chosen by layout.</summary>
    public required string[] Scripts { get; init; }

    /// <summary>
    /// Inserts one event unless its id is stored (@id @user @space @type @data @x @y @r @ts; @data is sealed). On
    /// PostgreSQL, shared by silos, also unless its subject has no live data key: checked in the statement itself, so a
    /// silo whose cache still holds a key that another silo shredded cannot store a payload under it.
    /// </summary>
    public required string Insert { get; init; }

    /// <summary>
    /// Where the database takes arrays: the whole batch in one statement, the same parameters as arrays (@ids @users
    /// @spaces @types @datas @xs @ys @rs @tss). Null: <see cref="Insert"/> per event, in one transaction.
    /// </summary>
    public string? InsertBatch { get; init; }

    /// <summary>
    /// Marks minute @minute of @space for the rollups (see event_rollup_marks), after <see cref="Insert"/> stored events of
    /// it in the same transaction. Null where <see cref="InsertBatch"/> marks by itself.
    /// </summary>
    public string? MarkMinute { get; init; }

    /// <summary>
    /// History of a space in [@from, @to), oldest first, at most @limit: id, user, type, sealed data, x, y, resonance,
    /// time, and the subject's wrapped key (master key id, wrapped key). Events of erased subjects are left out.
    /// </summary>
    public required string Query { get; init; }

    /// <summary>A subject's own events (@user), oldest first, at most @limit: as <see cref="Query"/> plus the space last.</summary>
    public required string QueryBySubject { get; init; }

    /// <summary>The proximity filter appended to <see cref="Query"/>'s WHERE clause (@x, @y, @r, inclusive).</summary>
    public required string Near { get; init; }

    public required string Count { get; init; }

    /// <summary>Deletes events before @before (SQLite's retention; PostgreSQL drops whole partitions instead).</summary>
    public required string? DeleteBefore { get; init; }

    public required string FirstEvent { get; init; }
    public required string LastRollup { get; init; }
    public required string RollupEvents { get; init; }
    public required string UpsertRollup { get; init; }
    public required string QueryRollups { get; init; }

    /// <summary>The space's marks of minutes before @before, oldest first, at most @limit: seq, minute.</summary>
    public required string RollupMarks { get; init; }

    /// <summary>Deletes the space's marks whose seq is in @seqs (an array on PostgreSQL, a JSON array on SQLite).</summary>
    public required string DeleteRollupMarks { get; init; }

    /// <summary>An instant as this database stores it, in Unix microseconds (SQLite keeps milliseconds, PostgreSQL microseconds).</summary>
    public long StoredMicros(DateTime t) => Kind == StorageDialect.Postgres ? Ledger.LeafInput.Micros(Utc(t)) : (long)Time(t) * 1000;

    /// <summary>An instant as this database stores it.</summary>
    public object Time(DateTime t) => Kind == StorageDialect.Postgres ? Utc(t) : (long)(Utc(t) - DateTime.UnixEpoch).TotalMilliseconds;

    public object Id(Guid id) => Kind == StorageDialect.Postgres ? id : id.ToString();

    public static DateTime ReadTime(DbDataReader reader, int ordinal) => reader.GetValue(ordinal) switch
    {
        DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        long ms => DateTime.UnixEpoch.AddMilliseconds(ms),
        var other => throw new InvalidCastException($"Unexpected stored time {other.GetType().Name}."),
    };

    public static Guid ReadId(DbDataReader reader, int ordinal) =>
        reader.GetValue(ordinal) is Guid g ? g : Guid.Parse(reader.GetString(ordinal));

    public static double? ReadDouble(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    // Npgsql writes timestamptz only from UTC DateTimes; events carry UTC, but be lenient about an unspecified kind.
    private static DateTime Utc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Local => t.ToUniversalTime(),
        _ => DateTime.SpecifyKind(t, DateTimeKind.Utc),
    };

    /// <summary>Adds a parameter; a typed null where the database must know the type (PostgreSQL infers the rest).</summary>
    public static DbParameter Add(DbCommand command, string name, object? value, DbType? nullType = null)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        if (nullType is { } type) p.DbType = type;
        command.Parameters.Add(p);
        return p;
    }

    public static readonly EventDialect Postgres = new()
    {
        Kind = StorageDialect.Postgres,
        Scripts = [RollupSql.Load("rollups.postgres.sql"), SqlSubjectKeyStore.Schema(StorageDialect.Postgres)],
        // The id registry decides which events are new: its key makes a concurrent writer of the same id wait and then
        // skip, and it catches a retry that was stamped again on receipt (the events' key holds the timestamp).
        Insert = """
            WITH fresh AS (
                INSERT INTO consciousness_event_ids (id, "timestamp") VALUES (@id, @ts)
                ON CONFLICT (id) DO NOTHING
                RETURNING id
            )
            INSERT INTO consciousness_events (id, user_id, space, event_type, event_data, position, resonance, "timestamp")
            SELECT @id, @user, @space, @type, @data,
                   CASE WHEN @x IS NULL OR @y IS NULL THEN NULL ELSE ST_MakePoint(@x, @y) END, @r, @ts
            FROM fresh
            WHERE EXISTS (SELECT 1 FROM resonance_subject_keys k WHERE k.subject = @user AND k.wrapped_key IS NOT NULL)
            ON CONFLICT DO NOTHING
            """,
        // Answers the 1-based batch positions of the events actually stored (the event log appends exactly those).
        // Duplicates inside a batch collapse to the earliest; sorting by id keeps the registry's lock order the same
        // across writers (no deadlocks between concurrent batches). The minutes of the events actually stored are marked
        // for the rollups in the same statement, so a commit and its mark are one.
        InsertBatch = """
            WITH batch AS (
                SELECT DISTINCT ON (id) * FROM unnest(@ids::uuid[], @users::uuid[], @spaces::text[], @types::text[], @datas::bytea[],
                                                      @xs::float8[], @ys::float8[], @rs::float8[], @tss::timestamptz[]) WITH ORDINALITY
                    AS b (id, user_id, space, event_type, event_data, x, y, resonance, ts, ord)
                WHERE EXISTS (SELECT 1 FROM resonance_subject_keys k WHERE k.subject = b.user_id AND k.wrapped_key IS NOT NULL)
                ORDER BY id, ts, ord
            ), fresh AS (
                INSERT INTO consciousness_event_ids (id, "timestamp")
                SELECT id, ts FROM batch ORDER BY id
                ON CONFLICT (id) DO NOTHING
                RETURNING id
            )
            , stored AS (
                INSERT INTO consciousness_events (id, user_id, space, event_type, event_data, position, resonance, "timestamp")
                SELECT b.id, b.user_id, b.space, b.event_type, b.event_data,
                       CASE WHEN b.x IS NULL OR b.y IS NULL THEN NULL ELSE ST_MakePoint(b.x, b.y) END, b.resonance, b.ts
                FROM batch b JOIN fresh f ON f.id = b.id
                ON CONFLICT DO NOTHING
                RETURNING id, space, "timestamp"
            ), marks AS (
                INSERT INTO event_rollup_marks (space, minute)
                SELECT DISTINCT space, date_trunc('minute', "timestamp" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM stored
            )
            SELECT b.ord FROM stored s JOIN batch b ON b.id = s.id ORDER BY b.ord
            """,
        Query = """
            SELECT id, user_id, event_type, event_data, ST_X(position), ST_Y(position), resonance, "timestamp", k.master_key_id, k.wrapped_key
            FROM consciousness_events JOIN resonance_subject_keys k ON k.subject = user_id AND k.wrapped_key IS NOT NULL
            WHERE space = @space AND "timestamp" >= @from AND "timestamp" < @to {near}
            ORDER BY "timestamp", id
            LIMIT @limit
            """,
        QueryBySubject = """
            SELECT id, user_id, event_type, event_data, ST_X(position), ST_Y(position), resonance, "timestamp", k.master_key_id, k.wrapped_key, space
            FROM consciousness_events JOIN resonance_subject_keys k ON k.subject = user_id AND k.wrapped_key IS NOT NULL
            WHERE user_id = @user
            ORDER BY "timestamp", id
            LIMIT @limit
            """,
        // ST_MakePoint has SRID 0 like the column, and ST_DWithin (distance <= radius) can use the GiST index.
        Near = "AND ST_DWithin(position, ST_MakePoint(@x, @y), @r)",
        Count = "SELECT count(*) FROM consciousness_events WHERE space = @space",
        DeleteBefore = null,
        FirstEvent = "SELECT min(\"timestamp\") FROM consciousness_events WHERE space = @space",
        LastRollup = "SELECT max(minute) FROM event_rollups WHERE space = @space",
        RollupEvents = """
            SELECT id, user_id, ST_X(position), ST_Y(position), resonance, "timestamp" FROM consciousness_events
            WHERE space = @space AND "timestamp" >= @from AND "timestamp" < @to
            """,
        UpsertRollup = """
            INSERT INTO event_rollups (space, minute, avg_resonance, active_users, event_count, centroid_x, centroid_y, clusters)
            VALUES (@space, @minute, @avg, @users, @count, @cx, @cy, @clusters::jsonb)
            ON CONFLICT (space, minute) DO UPDATE SET
                avg_resonance = excluded.avg_resonance, active_users = excluded.active_users, event_count = excluded.event_count,
                centroid_x = excluded.centroid_x, centroid_y = excluded.centroid_y, clusters = excluded.clusters
            """,
        QueryRollups = """
            SELECT minute, avg_resonance, active_users, event_count, centroid_x, centroid_y, clusters::text FROM event_rollups
            WHERE space = @space AND minute >= @from AND minute < @to ORDER BY minute LIMIT @limit
            """,
        RollupMarks = "SELECT seq, minute FROM event_rollup_marks WHERE space = @space AND minute < @before ORDER BY seq LIMIT @limit",
        DeleteRollupMarks = "DELETE FROM event_rollup_marks WHERE space = @space AND seq = ANY(@seqs)",
    };

    public static readonly EventDialect Sqlite = new()
    {
        Kind = StorageDialect.Sqlite,
        Scripts = [SqlScripts.Load("events.sqlite.sql"), RollupSql.Load("rollups.sqlite.sql"), SqlSubjectKeyStore.Schema(StorageDialect.Sqlite)],
        // One process owns the file, so its key cache is the truth: erasure evicts the key before it returns, and a batch
        // sealed just before that holds payloads no key opens. No per-row key check (it halved ingest), and no index by
        // subject (an export scans the file: the embedded default is small).
        Insert = """
            INSERT OR IGNORE INTO consciousness_events (event_id, space, user_id, event_type, data, x, y, resonance, ts_ms)
            VALUES (@id, @space, @user, @type, @data, @x, @y, @r, @ts)
            """,
        Query = """
            SELECT event_id, user_id, event_type, data, x, y, resonance, ts_ms, k.master_key_id, k.wrapped_key
            FROM consciousness_events JOIN resonance_subject_keys k ON k.subject = user_id AND k.wrapped_key IS NOT NULL
            WHERE space = @space AND ts_ms >= @from AND ts_ms < @to {near} ORDER BY ts_ms, event_id LIMIT @limit
            """,
        QueryBySubject = """
            SELECT event_id, user_id, event_type, data, x, y, resonance, ts_ms, k.master_key_id, k.wrapped_key, space
            FROM consciousness_events JOIN resonance_subject_keys k ON k.subject = user_id AND k.wrapped_key IS NOT NULL
            WHERE user_id = @user ORDER BY ts_ms, event_id LIMIT @limit
            """,
        // No spatial index here: the space/time index narrows first, then a squared-distance filter.
        Near = "AND x IS NOT NULL AND y IS NOT NULL AND (x - @x) * (x - @x) + (y - @y) * (y - @y) <= @r * @r",
        Count = "SELECT count(*) FROM consciousness_events WHERE space = @space",
        DeleteBefore = "DELETE FROM consciousness_events WHERE ts_ms < @before",
        FirstEvent = "SELECT min(ts_ms) FROM consciousness_events WHERE space = @space",
        LastRollup = "SELECT max(minute_ms) FROM event_rollups WHERE space = @space",
        RollupEvents = """
            SELECT event_id, user_id, x, y, resonance, ts_ms FROM consciousness_events
            WHERE space = @space AND ts_ms >= @from AND ts_ms < @to
            """,
        UpsertRollup = """
            INSERT INTO event_rollups (space, minute_ms, avg_resonance, active_users, event_count, centroid_x, centroid_y, clusters)
            VALUES (@space, @minute, @avg, @users, @count, @cx, @cy, @clusters)
            ON CONFLICT (space, minute_ms) DO UPDATE SET
                avg_resonance = excluded.avg_resonance, active_users = excluded.active_users, event_count = excluded.event_count,
                centroid_x = excluded.centroid_x, centroid_y = excluded.centroid_y, clusters = excluded.clusters
            """,
        QueryRollups = """
            SELECT minute_ms, avg_resonance, active_users, event_count, centroid_x, centroid_y, clusters FROM event_rollups
            WHERE space = @space AND minute_ms >= @from AND minute_ms < @to ORDER BY minute_ms LIMIT @limit
            """,
        MarkMinute = "INSERT INTO event_rollup_marks (space, minute_ms) VALUES (@space, @minute)",
        RollupMarks = "SELECT seq, minute_ms FROM event_rollup_marks WHERE space = @space AND minute_ms < @before ORDER BY seq LIMIT @limit",
        DeleteRollupMarks = "DELETE FROM event_rollup_marks WHERE space = @space AND seq IN (SELECT value FROM json_each(@seqs))",
    };
}
