using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Resonance.Grains.Events;

/// <summary>
/// PostgreSQL's time partitioning of <c>consciousness_events</c>, the one part of the event store SQLite has no
/// counterpart for: a TimescaleDB hypertable when that extension can be created, otherwise daily native partitions
/// created ahead and dropped after the retention period. All DDL runs under one advisory lock, so several silos
/// sharing the database take turns.
/// </summary>
internal sealed partial class PostgresPartitions(DbDataSource source, int daysAhead, ILogger logger)
{
    public const string SchemaLock = "SELECT pg_advisory_xact_lock(hashtext('resonance.consciousness_events'))";

    // Days whose partition is known to exist, so a batch creates one only on a day's first event (or after a drop).
    private readonly ConcurrentDictionary<DateOnly, byte> _known = new();

    public PartitionLayout Layout { get; private set; }

    /// <summary>Creates (or keeps) the events table in its layout, inside the caller's locked transaction.</summary>
    public async Task ApplySchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        string? kind;
        bool timescaleInstalled, timescaleAvailable;
        await using (var probe = Command(connection, transaction, """
            SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass('consciousness_events')),
                   EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'),
                   EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
            """))
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
                await Execute(connection, transaction, SqlScripts.Load("events.hypertable.sql"), cancellationToken);
            }
            catch (PostgresException e) when (kind is null)
            {
                LogNoTimescale(e.MessageText);
                await transaction.RollbackAsync("hypertable", cancellationToken);
                layout = PartitionLayout.Daily;
            }
        }
        if (layout == PartitionLayout.Daily)
            await Execute(connection, transaction, SqlScripts.Load("events.partitioned.sql"), cancellationToken);
        Layout = layout;
        _known.Clear();
        LogLayout(layout);
    }

    /// <summary>After the schema: the partitions of today .. today + days ahead.</summary>
    public Task PrepareAheadAsync(DateTime nowUtc, CancellationToken cancellationToken) =>
        Layout == PartitionLayout.Daily
            ? EnsureAsync(Enumerable.Range(0, daysAhead + 1).Select(EventPartitions.DayOf(nowUtc).AddDays), cancellationToken)
            : Task.CompletedTask;

    /// <summary>Creates the daily partitions among <paramref name="days"/> not known to exist yet.</summary>
    public async Task EnsureAsync(IEnumerable<DateOnly> days, CancellationToken cancellationToken)
    {
        if (Layout != PartitionLayout.Daily) return;
        var missing = days.Distinct().Where(d => !_known.ContainsKey(d)).ToList();
        if (missing.Count == 0) return;
        // Its own short transaction: creating a partition locks the parent, which must not wait inside a batch.
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Execute(connection, transaction, SchemaLock, cancellationToken);
        var existing = await ListAsync(connection, transaction, cancellationToken);
        foreach (var day in missing.Where(d => !existing.Contains(d)))
            await Execute(connection, transaction, EventPartitions.CreateSql(day), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var day in existing.Concat(missing)) _known[day] = 0;
    }

    /// <summary>"No partition for row": another silo dropped one this one still believed in; the retry re-checks every day.</summary>
    public void Forget() => _known.Clear();

    /// <summary>
    /// Creates the partitions of today .. today + days ahead and drops every daily partition (or chunk) whose whole day
    /// lies before <c>now - retention</c>, with the id registry rows of those days.
    /// </summary>
    public async Task<EventMaintenanceReport> MaintainAsync(DateTime nowUtc, TimeSpan retention, CancellationToken cancellationToken)
    {
        var cutoff = nowUtc - retention;
        // Ids of events before this instant belong to expired days only.
        var expiredBefore = EventPartitions.Start(EventPartitions.DayOf(cutoff));
        var created = new List<string>();
        var dropped = new List<string>();
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Execute(connection, transaction, SchemaLock, cancellationToken);
        if (Layout == PartitionLayout.Daily)
        {
            var existing = await ListAsync(connection, transaction, cancellationToken);
            var today = EventPartitions.DayOf(nowUtc);
            foreach (var day in Enumerable.Range(0, daysAhead + 1).Select(today.AddDays).Where(d => !existing.Contains(d)))
            {
                await Execute(connection, transaction, EventPartitions.CreateSql(day), cancellationToken);
                created.Add(EventPartitions.Name(day));
            }
            foreach (var day in existing.Where(d => EventPartitions.IsExpired(d, cutoff)).Order())
            {
                await Execute(connection, transaction, $"DROP TABLE {EventPartitions.Name(day)}", cancellationToken);
                dropped.Add(EventPartitions.Name(day));
            }
        }
        else
        {
            await using var drop = Command(connection, transaction, "SELECT drop_chunks('consciousness_events', older_than => @before)::text");
            EventDialect.Add(drop, "before", expiredBefore);
            await using var reader = await drop.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) dropped.Add(reader.GetString(0));
        }
        long deleted;
        await using (var ids = Command(connection, transaction, "DELETE FROM consciousness_event_ids WHERE \"timestamp\" < @before"))
        {
            EventDialect.Add(ids, "before", expiredBefore);
            deleted = await ids.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);

        foreach (var name in created) if (EventPartitions.TryParse(name, out var d)) _known[d] = 0;
        foreach (var name in dropped) if (EventPartitions.TryParse(name, out var d)) _known.TryRemove(d, out _);
        if (created.Count + dropped.Count > 0) LogMaintenance(created.Count, dropped.Count, deleted);
        return new EventMaintenanceReport(created, dropped, deleted);
    }

    private static async Task<HashSet<DateOnly>> ListAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'consciousness_events'::regclass
            """);
        var days = new HashSet<DateOnly>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            if (EventPartitions.TryParse(reader.GetString(0), out var day)) days.Add(day);
        return days;
    }

    internal static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    internal static async Task Execute(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL event store ready: consciousness_events as {Layout}")]
    private partial void LogLayout(PartitionLayout layout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TimescaleDB is available but could not be used ({Reason}); using daily partitions")]
    private partial void LogNoTimescale(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event maintenance: {Created} partitions created, {Dropped} dropped, {Deleted} ids expired")]
    private partial void LogMaintenance(int created, int dropped, long deleted);
}
