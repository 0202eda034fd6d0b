using Microsoft.Data.Sqlite;
using Resonance.Grains;
using Resonance.Grains.Hosting.Storage;

namespace Resonance.Grains.Events;

/// <summary>
/// The embedded default's event store: one SQLite file (WAL, synchronous=FULL so a committed batch survives a crash).
/// </summary>
public sealed class SqliteEventStore(string path) : IEventStore
{
    // Connections open with synchronous=FULL (and a busy timeout), like the grain storage's.
    private readonly SqliteDataSource _source = new(new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString());

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS consciousness_events (
                event_id   TEXT PRIMARY KEY,
                space      TEXT NOT NULL,
                user_id    TEXT NOT NULL,
                event_type TEXT NOT NULL,
                data       TEXT NOT NULL,
                x          REAL,
                y          REAL,
                resonance  REAL,
                ts_ms      INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS consciousness_events_space_ts ON consciousness_events (space, ts_ms);
            CREATE INDEX IF NOT EXISTS consciousness_events_ts ON consciousness_events (ts_ms);
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) =>
        (SqliteConnection)await _source.OpenConnectionAsync(cancellationToken);

    public async Task AppendAsync(IReadOnlyList<EventRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT OR IGNORE INTO consciousness_events (event_id, space, user_id, event_type, data, x, y, resonance, ts_ms)
            VALUES ($id, $space, $user, $type, $data, $x, $y, $r, $ts)
            """;
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var space = command.Parameters.Add("$space", SqliteType.Text);
        var user = command.Parameters.Add("$user", SqliteType.Text);
        var type = command.Parameters.Add("$type", SqliteType.Text);
        var data = command.Parameters.Add("$data", SqliteType.Text);
        var x = command.Parameters.Add("$x", SqliteType.Real);
        var y = command.Parameters.Add("$y", SqliteType.Real);
        var r = command.Parameters.Add("$r", SqliteType.Real);
        var ts = command.Parameters.Add("$ts", SqliteType.Integer);
        foreach (var record in batch)
        {
            var e = record.Event;
            id.Value = e.EventId.ToString();
            space.Value = record.Space;
            user.Value = e.UserId.ToString();
            type.Value = e.EventType;
            data.Value = e.DataJson;
            x.Value = (object?)e.X ?? DBNull.Value;
            y.Value = (object?)e.Y ?? DBNull.Value;
            r.Value = (object?)e.Resonance ?? DBNull.Value;
            ts.Value = UnixMs(e.TimestampUtc);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<EventRecord>> QueryAsync(EventQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Proximity is a plain squared-distance filter: SQLite has no spatial index here, the space/time index narrows first.
        string near = query.Near is null ? "" : "AND x IS NOT NULL AND y IS NOT NULL AND (x - $x) * (x - $x) + (y - $y) * (y - $y) <= $r2";
        command.CommandText = $"""
            SELECT event_id, user_id, event_type, data, x, y, resonance, ts_ms FROM consciousness_events
            WHERE space = $space AND ts_ms >= $from AND ts_ms < $to {near} ORDER BY ts_ms, event_id LIMIT $limit
            """;
        command.Parameters.AddWithValue("$space", query.Space);
        command.Parameters.AddWithValue("$from", UnixMs(query.FromUtc));
        command.Parameters.AddWithValue("$to", UnixMs(query.ToUtc));
        command.Parameters.AddWithValue("$limit", query.Limit);
        if (query.Near is { } n)
        {
            command.Parameters.AddWithValue("$x", n.X);
            command.Parameters.AddWithValue("$y", n.Y);
            command.Parameters.AddWithValue("$r2", n.Radius * n.Radius);
        }
        var result = new List<EventRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new EventRecord(query.Space, new SpaceEvent
            {
                EventId = Guid.Parse(reader.GetString(0)),
                UserId = Guid.Parse(reader.GetString(1)),
                EventType = reader.GetString(2),
                DataJson = reader.GetString(3),
                X = reader.IsDBNull(4) ? null : reader.GetDouble(4),
                Y = reader.IsDBNull(5) ? null : reader.GetDouble(5),
                Resonance = reader.IsDBNull(6) ? null : reader.GetDouble(6),
                TimestampUtc = DateTime.UnixEpoch.AddMilliseconds(reader.GetInt64(7)),
            }));
        }
        return result;
    }

    public async Task<EventMaintenanceReport> MaintainAsync(DateTime nowUtc, TimeSpan retention, CancellationToken cancellationToken)
    {
        // No partitions in SQLite: expired events go with one indexed DELETE by time.
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM consciousness_events WHERE ts_ms < $cutoff";
        command.Parameters.AddWithValue("$cutoff", UnixMs(nowUtc - retention));
        long deleted = await command.ExecuteNonQueryAsync(cancellationToken);
        return new EventMaintenanceReport([], [], deleted);
    }

    private static long UnixMs(DateTime utc) => (long)(utc - DateTime.UnixEpoch).TotalMilliseconds;

    public async Task<long> CountAsync(string space, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM consciousness_events WHERE space = $space";
        command.Parameters.AddWithValue("$space", space);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
