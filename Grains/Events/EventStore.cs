using System.Data;
using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;
using Resonance.Grains.Hosting.Storage;
using Resonance.Grains.Ledger;
using Resonance.Grains.Privacy;
using Resonance.Grains.Rollups;

namespace Resonance.Grains.Events;

/// <summary>
/// The event storage layer on the silo side, one implementation for PostgreSQL + PostGIS and the embedded default's
/// SQLite file: <c>consciousness_events</c> (written by <see cref="EventWriter"/>, read by history queries) and
/// <c>event_rollups</c> (the rollup grains' <see cref="IRollupStore"/>). The statements come from
/// <see cref="EventDialect"/>; only PostgreSQL's time partitioning (<see cref="PostgresPartitions"/>) has no SQLite
/// counterpart. A batch is one transaction (on PostgreSQL one statement over arrays); an event whose id is stored is
/// skipped, so retries are harmless.
/// </summary>
public sealed partial class EventStore : IEventStore, IRollupStore, ILedgerStore, IAsyncDisposable
{
    private readonly EventDialect _sql;
    private readonly LedgerSql _ledger;
    private readonly DbDataSource _source;
    private readonly PostgresPartitions? _partitions;
    private readonly string? _sqlitePath;
    private readonly ILogger _logger;

    private EventStore(EventDialect sql, DbDataSource source, PostgresPartitions? partitions, string? sqlitePath,
        Func<ISubjectKeyStore, SubjectKeys> keys, ILogger logger)
    {
        _sql = sql;
        _ledger = LedgerSql.For(sql.Kind);
        _source = source;
        _partitions = partitions;
        _sqlitePath = sqlitePath;
        _logger = logger;
        Keys = keys(new SqlSubjectKeyStore(sql.Kind, source));
    }

    /// <summary>
    /// The data keys that seal event payloads; their store shares this database (so an insert checks for a live key
    /// in the same statement), and the memory nodes' content uses them too.
    /// </summary>
    public SubjectKeys Keys { get; }

    public static EventStore Postgres(string connectionString, int partitionDaysAhead, Func<ISubjectKeyStore, SubjectKeys> keys, ILogger logger)
    {
        var source = NpgsqlDataSource.Create(PostgresConnectionString.WithDefaults(connectionString));
        return new EventStore(EventDialect.Postgres, source, new PostgresPartitions(source, partitionDaysAhead, logger), null, keys, logger);
    }

    /// <summary>One SQLite file (WAL, synchronous=FULL so a committed batch survives a crash).</summary>
    public static EventStore Sqlite(string path, Func<ISubjectKeyStore, SubjectKeys> keys, ILogger logger) => new(EventDialect.Sqlite,
        new SqliteDataSource(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString()), null, path, keys, logger);

    /// <summary>PostgreSQL's partition layout (null on SQLite).</summary>
    public PartitionLayout? Layout => _partitions?.Layout;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_sqlitePath is not null && Path.GetDirectoryName(Path.GetFullPath(_sqlitePath)) is { } directory)
            Directory.CreateDirectory(directory);
        // The schema's DDL (CREATE INDEX IF NOT EXISTS still locks its table) can deadlock with running silos' inserts,
        // which lock the id registry and then the events table: PostgreSQL aborts one of the two. An aborted insert is
        // retried by its writer; an aborted schema transaction is retried here, so a restarting silo is not lost to it.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await ApplySchemaAsync(cancellationToken);
                break;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                                              && attempt < 5 && !cancellationToken.IsCancellationRequested)
            {
                LogSchemaRetry(attempt, e.SqlState);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt + Random.Shared.Next(200)), cancellationToken);
            }
        }
        if (_partitions is not null) await _partitions.PrepareAheadAsync(DateTime.UtcNow, cancellationToken);
        await Keys.InitializeAsync(cancellationToken);
        // Payloads an earlier version stored in plaintext are sealed before anything reads or writes events.
        await new EventPayloadMigration(_sql.Kind, _source, Keys, _logger).RunAsync(cancellationToken);
    }

    private async Task ApplySchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        // SQLite cannot change its journal inside a transaction.
        if (_sql.Kind == StorageDialect.Sqlite) await PostgresPartitions.Execute(connection, null, "PRAGMA journal_mode = WAL", cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (_partitions is not null)
        {
            await PostgresPartitions.Execute(connection, transaction, PostgresPartitions.SchemaLock, cancellationToken);
            await _partitions.ApplySchemaAsync(connection, transaction, cancellationToken);
        }
        foreach (var script in _sql.Scripts) await PostgresPartitions.Execute(connection, transaction, script, cancellationToken);
        await PostgresPartitions.Execute(connection, transaction, _ledger.Schema, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyCollection<Guid>> AppendAsync(IReadOnlyList<EventRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return [];
        if (_partitions is not null)
            await _partitions.EnsureAsync(batch.Select(r => EventPartitions.DayOf(r.Event.TimestampUtc.ToUniversalTime())), cancellationToken);
        try
        {
            return await AppendBatchAsync(batch, cancellationToken);
        }
        catch (DbException e) when (e.SqlState == "23514" && _partitions is not null)
        {
            // Check violation = no partition for a row: forget what we knew, and let the writer's retry re-check.
            _partitions.Forget();
            throw;
        }
    }

    private async Task<IReadOnlyCollection<Guid>> AppendBatchAsync(IReadOnlyList<EventRecord> batch, CancellationToken cancellationToken)
    {
        // Sealed before the connection opens: a new subject's key is stored (its own short transaction) first.
        var subjects = new HashSet<Guid>();
        foreach (var r in batch) subjects.Add(r.Event.UserId);
        var keys = await Keys.GetOrCreateAsync(subjects, cancellationToken);
        var sealedData = new byte[]?[batch.Count];
        int erased = 0;
        List<Guid>? refused = null;
        for (int k = 0; k < batch.Count; k++)
        {
            var e = batch[k].Event;
            if (keys.TryGetValue(e.UserId, out var key)) sealedData[k] = key.Seal(e.EventId, e.DataJson);
            else
            {
                erased++;
                (refused ??= []).Add(e.EventId);
            }
        }
        if (erased > 0)
        {
            // An erased subject's event is not stored (on PostgreSQL the statement would skip it too).
            LogErasedSkipped(erased);
            var kept = new List<EventRecord>(batch.Count - erased);
            var keptData = new List<byte[]>(batch.Count - erased);
            for (int k = 0; k < batch.Count; k++)
                if (sealedData[k] is { } d)
                {
                    kept.Add(batch[k]);
                    keptData.Add(d);
                }
            if (kept.Count == 0) return refused!;
            batch = kept;
            sealedData = [.. keptData];
        }
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (_sql.InsertBatch is { } bulk)
        {
            await using var command = PostgresPartitions.Command(connection, transaction, bulk);
            int n = batch.Count;
            var ids = new Guid[n];
            var users = new Guid[n];
            var spaces = new string[n];
            var types = new string[n];
            var datas = new byte[n][];
            var xs = new double?[n];
            var ys = new double?[n];
            var rs = new double?[n];
            var tss = new DateTime[n];
            for (int k = 0; k < n; k++)
            {
                var e = batch[k].Event;
                (ids[k], users[k], spaces[k], types[k], datas[k]) = (e.EventId, e.UserId, batch[k].Space, e.EventType, sealedData[k]!);
                (xs[k], ys[k], rs[k], tss[k]) = (e.X, e.Y, e.Resonance, (DateTime)_sql.Time(e.TimestampUtc));
            }
            EventDialect.Add(command, "ids", ids);
            EventDialect.Add(command, "users", users);
            EventDialect.Add(command, "spaces", spaces);
            EventDialect.Add(command, "types", types);
            EventDialect.Add(command, "datas", datas);
            EventDialect.Add(command, "xs", xs);
            EventDialect.Add(command, "ys", ys);
            EventDialect.Add(command, "rs", rs);
            EventDialect.Add(command, "tss", tss);
            var stored = new List<int>(n);
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken)) stored.Add((int)reader.GetInt64(0) - 1);
            await AppendLeavesAsync(connection, transaction, batch, sealedData, stored, cancellationToken);
        }
        else
        {
            await using var command = PostgresPartitions.Command(connection, transaction, _sql.Insert);
            var minutes = new HashSet<(string Space, DateTime Minute)>();
            var stored = new List<int>(batch.Count);
            for (int k = 0; k < batch.Count; k++)
            {
                var record = batch[k];
                command.Parameters.Clear();
                BindEvent(command, record, sealedData[k]!);
                // Only events actually stored (not a resent id) make their minute's rollup out of date and enter the log.
                if (await command.ExecuteNonQueryAsync(cancellationToken) > 0)
                {
                    minutes.Add((record.Space, Minutes.Floor(AsUtc(record.Event.TimestampUtc))));
                    stored.Add(k);
                }
            }
            if (_sql.MarkMinute is { } mark && minutes.Count > 0)
            {
                await using var marker = PostgresPartitions.Command(connection, transaction, mark);
                foreach (var (space, minute) in minutes)
                {
                    marker.Parameters.Clear();
                    EventDialect.Add(marker, "space", space);
                    EventDialect.Add(marker, "minute", _sql.Time(minute));
                    await marker.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            await AppendLeavesAsync(connection, transaction, batch, sealedData, stored, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return (IReadOnlyCollection<Guid>?)refused ?? [];
    }

    // As EventDialect.Time reads an instant: an unspecified kind is UTC.
    private static DateTime AsUtc(DateTime t) => t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t;

    private void BindEvent(DbCommand command, EventRecord record, byte[] sealedData)
    {
        var e = record.Event;
        EventDialect.Add(command, "id", _sql.Id(e.EventId));
        EventDialect.Add(command, "user", _sql.Id(e.UserId));
        EventDialect.Add(command, "space", record.Space);
        EventDialect.Add(command, "type", e.EventType);
        EventDialect.Add(command, "data", sealedData);
        // Typed even when null: PostgreSQL must know a parameter's type to test it for NULL.
        EventDialect.Add(command, "x", e.X, DbType.Double);
        EventDialect.Add(command, "y", e.Y, DbType.Double);
        EventDialect.Add(command, "r", e.Resonance, DbType.Double);
        EventDialect.Add(command, "ts", _sql.Time(e.TimestampUtc));
    }

    public async Task<IReadOnlyList<EventRecord>> QueryAsync(EventQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = PostgresPartitions.Command(connection, null, _sql.Query.Replace("{near}", query.Near is null ? "" : _sql.Near));
        EventDialect.Add(command, "space", query.Space);
        EventDialect.Add(command, "from", _sql.Time(query.FromUtc));
        EventDialect.Add(command, "to", _sql.Time(query.ToUtc));
        EventDialect.Add(command, "limit", query.Limit);
        if (query.Near is { } n)
        {
            EventDialect.Add(command, "x", n.X);
            EventDialect.Add(command, "y", n.Y);
            EventDialect.Add(command, "r", n.Radius);
        }
        return await ReadEventsAsync(command, _ => query.Space, cancellationToken);
    }

    /// <summary>Every stored event of <paramref name="subject"/> (any space), oldest first, payloads opened; none once erased.</summary>
    public async Task<IReadOnlyList<EventRecord>> QueryBySubjectAsync(Guid subject, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = PostgresPartitions.Command(connection, null, _sql.QueryBySubject);
        EventDialect.Add(command, "user", _sql.Id(subject));
        EventDialect.Add(command, "limit", limit);
        return await ReadEventsAsync(command, reader => reader.GetString(10), cancellationToken);
    }

    /// <summary>Rows of <see cref="EventDialect.Query"/>'s shape, each payload opened with the key read along with it.</summary>
    private async Task<List<EventRecord>> ReadEventsAsync(DbCommand command, Func<DbDataReader, string> space, CancellationToken cancellationToken)
    {
        var result = new List<EventRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = EventDialect.ReadId(reader, 0);
            var user = EventDialect.ReadId(reader, 1);
            var key = Keys.FromStored(user, new StoredKey(reader.GetString(8), (byte[])reader.GetValue(9)));
            if (key is null) continue;
            result.Add(new EventRecord(space(reader), new SpaceEvent
            {
                EventId = id,
                UserId = user,
                EventType = reader.GetString(2),
                DataJson = key.Open(id, (byte[])reader.GetValue(3)),
                X = EventDialect.ReadDouble(reader, 4),
                Y = EventDialect.ReadDouble(reader, 5),
                Resonance = EventDialect.ReadDouble(reader, 6),
                TimestampUtc = EventDialect.ReadTime(reader, 7),
            }));
        }
        return result;
    }

    public async Task<long> CountAsync(string space, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = PostgresPartitions.Command(connection, null, _sql.Count);
        EventDialect.Add(command, "space", space);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
    }

    public async Task<EventMaintenanceReport> MaintainAsync(DateTime nowUtc, TimeSpan retention, CancellationToken cancellationToken)
    {
        if (_partitions is not null) return await _partitions.MaintainAsync(nowUtc, retention, cancellationToken);
        // No partitions: expired events go with one indexed DELETE by time.
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = PostgresPartitions.Command(connection, null, _sql.DeleteBefore!);
        EventDialect.Add(command, "before", _sql.Time(nowUtc - retention));
        long deleted = await command.ExecuteNonQueryAsync(cancellationToken);
        return new EventMaintenanceReport([], [], deleted);
    }

    // ---- rollups ------------------------------------------------------------------------------------------------

    public Task<DateTime?> FirstEventAsync(string space, CancellationToken cancellationToken) => ScalarTimeAsync(_sql.FirstEvent, space, cancellationToken);

    public Task<DateTime?> LastRollupAsync(string space, CancellationToken cancellationToken) => ScalarTimeAsync(_sql.LastRollup, space, cancellationToken);

    private async Task<DateTime?> ScalarTimeAsync(string sql, string space, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = PostgresPartitions.Command(connection, null, sql);
        EventDialect.Add(command, "space", space);
        return await command.ExecuteScalarAsync(cancellationToken) switch
        {
            DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc),
            long ms => DateTime.UnixEpoch.AddMilliseconds(ms),
            _ => null,
        };
    }

    public async Task<IReadOnlyList<RollupEvent>> ReadEventsAsync(string space, DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = PostgresPartitions.Command(connection, null, _sql.RollupEvents);
        EventDialect.Add(command, "space", space);
        EventDialect.Add(command, "from", _sql.Time(fromUtc));
        EventDialect.Add(command, "to", _sql.Time(toUtc));
        var result = new List<RollupEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            result.Add(new RollupEvent(EventDialect.ReadId(reader, 0), EventDialect.ReadId(reader, 1),
                EventDialect.ReadDouble(reader, 2), EventDialect.ReadDouble(reader, 3), EventDialect.ReadDouble(reader, 4),
                EventDialect.ReadTime(reader, 5)));
        return result;
    }

    public async Task WriteAsync(IReadOnlyList<MinuteRollup> rollups, CancellationToken cancellationToken)
    {
        if (rollups.Count == 0) return;
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = PostgresPartitions.Command(connection, transaction, _sql.UpsertRollup);
        foreach (var r in rollups)
        {
            command.Parameters.Clear();
            EventDialect.Add(command, "space", r.Space);
            EventDialect.Add(command, "minute", _sql.Time(r.MinuteUtc));
            EventDialect.Add(command, "avg", r.AvgResonance, DbType.Double);
            EventDialect.Add(command, "users", r.ActiveUsers);
            EventDialect.Add(command, "count", r.EventCount);
            EventDialect.Add(command, "cx", r.CentroidX, DbType.Double);
            EventDialect.Add(command, "cy", r.CentroidY, DbType.Double);
            EventDialect.Add(command, "clusters", ClusterJson.Serialize(r.Clusters));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RollupMark>> MarksAsync(string space, DateTime beforeUtc, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = PostgresPartitions.Command(connection, null, _sql.RollupMarks);
        EventDialect.Add(command, "space", space);
        EventDialect.Add(command, "before", _sql.Time(beforeUtc));
        EventDialect.Add(command, "limit", limit);
        var result = new List<RollupMark>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            result.Add(new RollupMark(reader.GetInt64(0), EventDialect.ReadTime(reader, 1)));
        return result;
    }

    public async Task DeleteMarksAsync(string space, IReadOnlyList<long> seqs, CancellationToken cancellationToken)
    {
        if (seqs.Count == 0) return;
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = PostgresPartitions.Command(connection, null, _sql.DeleteRollupMarks);
        EventDialect.Add(command, "space", space);
        EventDialect.Add(command, "seqs", _sql.Kind == StorageDialect.Postgres ? seqs.ToArray() : System.Text.Json.JsonSerializer.Serialize(seqs));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<MinuteRollup>> QueryAsync(string space, DateTime fromUtc, DateTime toUtc, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = PostgresPartitions.Command(connection, null, _sql.QueryRollups);
        EventDialect.Add(command, "space", space);
        EventDialect.Add(command, "from", _sql.Time(fromUtc));
        EventDialect.Add(command, "to", _sql.Time(toUtc));
        EventDialect.Add(command, "limit", limit);
        var result = new List<MinuteRollup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new MinuteRollup
            {
                Space = space,
                MinuteUtc = EventDialect.ReadTime(reader, 0),
                AvgResonance = EventDialect.ReadDouble(reader, 1),
                ActiveUsers = reader.GetInt32(2),
                EventCount = reader.GetInt32(3),
                CentroidX = EventDialect.ReadDouble(reader, 4),
                CentroidY = EventDialect.ReadDouble(reader, 5),
                Clusters = ClusterJson.Deserialize(reader.GetString(6)),
            });
        }
        return result;
    }

    public ValueTask DisposeAsync()
    {
        Keys.Dispose();
        return _source.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying the event schema was aborted by the database (attempt {Attempt}, SQLSTATE {SqlState}); retrying")]
    private partial void LogSchemaRetry(int attempt, string sqlState);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} events of erased subjects were not stored")]
    private partial void LogErasedSkipped(int count);
}
