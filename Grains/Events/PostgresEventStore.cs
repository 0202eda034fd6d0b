using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Resonance.Grains;

namespace Resonance.Grains.Events;

/// <summary>
/// Events in PostgreSQL + PostGIS (<c>consciousness_events</c>, see <c>Sql/*.sql</c>). A batch is one transaction: binary COPY
/// into a temporary staging table, then one INSERT ... SELECT that skips ids already stored (idempotent retries).
/// Time partitioning is a TimescaleDB hypertable when that extension is installed, otherwise daily native partitions that
/// this store creates ahead and drops after the retention period.
/// </summary>
public sealed partial class PostgresEventStore(string connectionString, int partitionDaysAhead, ILogger<PostgresEventStore> logger)
    : IEventStore, IAsyncDisposable
{
    // Serialises schema changes (schema script, partition create/drop) across gateways sharing the database.
    private const string SchemaLock = "SELECT pg_advisory_xact_lock(hashtext('resonance.consciousness_events'))";

    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    // Days whose partition is known to exist, so a batch creates one only on a day's first event (or after a drop).
    private readonly ConcurrentDictionary<DateOnly, byte> _partitions = new();

    public PartitionLayout Layout { get; private set; }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        Layout = await ApplySchemaAsync(cancellationToken);
        _partitions.Clear();
        LogLayout(Layout);
        if (Layout == PartitionLayout.Daily)
        {
            var today = EventPartitions.DayOf(DateTime.UtcNow);
            await EnsurePartitionsAsync(Enumerable.Range(0, partitionDaysAhead + 1).Select(today.AddDays), cancellationToken);
        }
    }

    private async Task<PartitionLayout> ApplySchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, SchemaLock, cancellationToken);

        string? kind;
        bool timescaleInstalled, timescaleAvailable;
        await using (var probe = new NpgsqlCommand("""
            SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass('consciousness_events')),
                   EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'),
                   EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
            """, connection, transaction))
        await using (var reader = await probe.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            kind = reader.IsDBNull(0) ? null : reader.GetString(0);
            timescaleInstalled = reader.GetBoolean(1);
            timescaleAvailable = reader.GetBoolean(2);
        }

        // An existing table keeps its layout; a new one is a hypertable only if TimescaleDB can actually be created
        // (it must also be preloaded by the server), otherwise daily partitions.
        PartitionLayout layout;
        if (kind == "p") layout = PartitionLayout.Daily;
        else if (kind is not null)
            layout = timescaleInstalled ? PartitionLayout.Hypertable
                : throw new InvalidOperationException("consciousness_events exists but is neither partitioned nor a TimescaleDB hypertable.");
        else layout = timescaleAvailable ? PartitionLayout.Hypertable : PartitionLayout.Daily;

        if (layout == PartitionLayout.Hypertable)
        {
            await transaction.SaveAsync("hypertable", cancellationToken);
            try
            {
                await ExecuteAsync(connection, transaction, SqlScripts.Load("events.hypertable.sql"), cancellationToken);
            }
            catch (PostgresException e) when (kind is null)
            {
                LogNoTimescale(e.MessageText);
                await transaction.RollbackAsync("hypertable", cancellationToken);
                layout = PartitionLayout.Daily;
            }
        }
        if (layout == PartitionLayout.Daily)
            await ExecuteAsync(connection, transaction, SqlScripts.Load("events.partitioned.sql"), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return layout;
    }

    public async Task AppendAsync(IReadOnlyList<EventRecord> batch, CancellationToken cancellationToken)
    {
        try
        {
            await AppendBatchAsync(batch, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CheckViolation)
        {
            // "No partition for row": another gateway dropped one this store still believed in; the writer's retry
            // then re-checks every day.
            _partitions.Clear();
            throw;
        }
    }

    private async Task AppendBatchAsync(IReadOnlyList<EventRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        if (Layout == PartitionLayout.Daily)
            await EnsurePartitionsAsync(batch.Select(r => EventPartitions.DayOf(Utc(r.Event.TimestampUtc))), cancellationToken);

        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, """
            CREATE TEMP TABLE event_staging (
                id uuid, user_id uuid, space text, event_type text, event_data jsonb,
                x float8, y float8, resonance float8, ts timestamptz
            ) ON COMMIT DROP
            """, cancellationToken);

        await using (var importer = await connection.BeginBinaryImportAsync(
            "COPY event_staging (id, user_id, space, event_type, event_data, x, y, resonance, ts) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var record in batch)
            {
                var e = record.Event;
                await importer.StartRowAsync(cancellationToken);
                await importer.WriteAsync(e.EventId, NpgsqlDbType.Uuid, cancellationToken);
                await importer.WriteAsync(e.UserId, NpgsqlDbType.Uuid, cancellationToken);
                await importer.WriteAsync(record.Space, NpgsqlDbType.Text, cancellationToken);
                await importer.WriteAsync(e.EventType, NpgsqlDbType.Text, cancellationToken);
                await importer.WriteAsync(e.DataJson, NpgsqlDbType.Jsonb, cancellationToken);
                await WriteNullable(importer, e.X, cancellationToken);
                await WriteNullable(importer, e.Y, cancellationToken);
                await WriteNullable(importer, e.Resonance, cancellationToken);
                await importer.WriteAsync(Utc(e.TimestampUtc), NpgsqlDbType.TimestampTz, cancellationToken);
            }
            await importer.CompleteAsync(cancellationToken);
        }

        // The id registry decides which events are new: its primary key makes a concurrent writer of the same id wait
        // and then skip. Sorting by id keeps lock order the same across writers (no deadlocks between batches).
        await ExecuteAsync(connection, transaction, """
            WITH batch AS (
                SELECT DISTINCT ON (id) * FROM event_staging ORDER BY id, ts
            ), fresh AS (
                INSERT INTO consciousness_event_ids (id, "timestamp")
                SELECT id, ts FROM batch ORDER BY id
                ON CONFLICT (id) DO NOTHING
                RETURNING id
            )
            INSERT INTO consciousness_events (id, user_id, space, event_type, event_data, position, resonance, "timestamp")
            SELECT b.id, b.user_id, b.space, b.event_type, b.event_data,
                   CASE WHEN b.x IS NULL OR b.y IS NULL THEN NULL ELSE ST_MakePoint(b.x, b.y) END,
                   b.resonance, b.ts
            FROM batch b JOIN fresh f ON f.id = b.id
            ON CONFLICT DO NOTHING
            """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static Task WriteNullable(NpgsqlBinaryImporter importer, double? value, CancellationToken cancellationToken) =>
        value is { } v ? importer.WriteAsync(v, NpgsqlDbType.Double, cancellationToken) : importer.WriteNullAsync(cancellationToken);

    public async Task<IReadOnlyList<EventRecord>> QueryAsync(EventQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        // ST_MakePoint has SRID 0 like the column, and ST_DWithin (distance <= radius) can use the GiST index.
        string near = query.Near is null ? "" : "AND ST_DWithin(position, ST_MakePoint(@x, @y), @r)";
        await using var command = new NpgsqlCommand($"""
            SELECT id, user_id, event_type, event_data::text, ST_X(position), ST_Y(position), resonance, "timestamp"
            FROM consciousness_events
            WHERE space = @space AND "timestamp" >= @from AND "timestamp" < @to {near}
            ORDER BY "timestamp", id
            LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("space", query.Space);
        command.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, Utc(query.FromUtc));
        command.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, Utc(query.ToUtc));
        command.Parameters.AddWithValue("limit", query.Limit);
        if (query.Near is { } n)
        {
            command.Parameters.AddWithValue("x", n.X);
            command.Parameters.AddWithValue("y", n.Y);
            command.Parameters.AddWithValue("r", n.Radius);
        }
        var result = new List<EventRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new EventRecord(query.Space, new SpaceEvent
            {
                EventId = reader.GetGuid(0),
                UserId = reader.GetGuid(1),
                EventType = reader.GetString(2),
                DataJson = reader.GetString(3),
                X = reader.IsDBNull(4) ? null : reader.GetDouble(4),
                Y = reader.IsDBNull(5) ? null : reader.GetDouble(5),
                Resonance = reader.IsDBNull(6) ? null : reader.GetDouble(6),
                TimestampUtc = reader.GetFieldValue<DateTime>(7),
            }));
        }
        return result;
    }

    public async Task<long> CountAsync(string space, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM consciousness_events WHERE space = @space", connection);
        command.Parameters.AddWithValue("space", space);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Creates the partitions of today .. today + <c>partitionDaysAhead</c> and drops every daily partition (or chunk)
    /// whose whole day lies before <c>now - retention</c>, with the id registry rows of those days.
    /// </summary>
    public async Task<EventMaintenanceReport> MaintainAsync(DateTime nowUtc, TimeSpan retention, CancellationToken cancellationToken)
    {
        var cutoff = Utc(nowUtc) - retention;
        // Ids of events before this instant belong to expired days only.
        var expiredBefore = EventPartitions.Start(EventPartitions.DayOf(cutoff));
        var created = new List<string>();
        var dropped = new List<string>();
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, SchemaLock, cancellationToken);
        if (Layout == PartitionLayout.Daily)
        {
            var existing = await ListPartitionsAsync(connection, transaction, cancellationToken);
            var today = EventPartitions.DayOf(Utc(nowUtc));
            foreach (var day in Enumerable.Range(0, partitionDaysAhead + 1).Select(today.AddDays).Where(d => !existing.Contains(d)))
            {
                await ExecuteAsync(connection, transaction, EventPartitions.CreateSql(day), cancellationToken);
                created.Add(EventPartitions.Name(day));
            }
            foreach (var day in existing.Where(d => EventPartitions.IsExpired(d, cutoff)).Order())
            {
                await ExecuteAsync(connection, transaction, $"DROP TABLE {EventPartitions.Name(day)}", cancellationToken);
                dropped.Add(EventPartitions.Name(day));
            }
        }
        else
        {
            await using var drop = new NpgsqlCommand("SELECT drop_chunks('consciousness_events', older_than => @before)::text", connection, transaction);
            drop.Parameters.AddWithValue("before", NpgsqlDbType.TimestampTz, expiredBefore);
            await using var reader = await drop.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) dropped.Add(reader.GetString(0));
        }
        long deleted;
        await using (var ids = new NpgsqlCommand("DELETE FROM consciousness_event_ids WHERE \"timestamp\" < @before", connection, transaction))
        {
            ids.Parameters.AddWithValue("before", NpgsqlDbType.TimestampTz, expiredBefore);
            deleted = await ids.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);

        foreach (var name in created) if (EventPartitions.TryParse(name, out var d)) _partitions[d] = 0;
        foreach (var name in dropped) if (EventPartitions.TryParse(name, out var d)) _partitions.TryRemove(d, out _);
        if (created.Count + dropped.Count > 0) LogMaintenance(created.Count, dropped.Count, deleted);
        return new EventMaintenanceReport(created, dropped, deleted);
    }

    /// <summary>Creates the daily partitions among <paramref name="days"/> not known to exist yet.</summary>
    private async Task EnsurePartitionsAsync(IEnumerable<DateOnly> days, CancellationToken cancellationToken)
    {
        var missing = days.Distinct().Where(d => !_partitions.ContainsKey(d)).ToList();
        if (missing.Count == 0) return;
        // Its own short transaction: creating a partition locks the parent, which must not wait inside a batch.
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, SchemaLock, cancellationToken);
        var existing = await ListPartitionsAsync(connection, transaction, cancellationToken);
        foreach (var day in missing.Where(d => !existing.Contains(d)))
            await ExecuteAsync(connection, transaction, EventPartitions.CreateSql(day), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var day in existing.Concat(missing)) _partitions[day] = 0;
    }

    private static async Task<HashSet<DateOnly>> ListPartitionsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'consciousness_events'::regclass
            """, connection, transaction);
        var days = new HashSet<DateOnly>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            if (EventPartitions.TryParse(reader.GetString(0), out var day)) days.Add(day);
        return days;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // Npgsql writes timestamptz only from UTC DateTimes; events carry UTC, but be lenient about an unspecified kind.
    private static DateTime Utc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Local => t.ToUniversalTime(),
        _ => DateTime.SpecifyKind(t, DateTimeKind.Utc),
    };

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL event store ready: consciousness_events as {Layout}")]
    private partial void LogLayout(PartitionLayout layout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TimescaleDB is available but could not be used ({Reason}); using daily partitions")]
    private partial void LogNoTimescale(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event maintenance: {Created} partitions created, {Dropped} dropped, {Deleted} ids expired")]
    private partial void LogMaintenance(int created, int dropped, long deleted);
}
