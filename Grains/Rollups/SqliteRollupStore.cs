using Microsoft.Data.Sqlite;

namespace Resonance.Grains.Rollups;

/// <summary>
/// Rollups in the embedded default's SQLite file: reads <c>consciousness_events</c> written by the co-hosted gateway,
/// owns <c>event_rollups</c> in the same file (WAL lets both processes' connections work side by side).
/// </summary>
public sealed class SqliteRollupStore : IRollupStore
{
    private readonly string _connectionString;
    private readonly Lazy<Task> _schema;

    public SqliteRollupStore(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        _schema = new Lazy<Task>(ApplySchemaAsync);
    }

    private async Task ApplySchemaAsync()
    {
        await using var connection = await ConnectAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = RollupSql.Load("rollups.sqlite.sql");
        await command.ExecuteNonQueryAsync();
    }

    private async Task<SqliteConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 5000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await _schema.Value.WaitAsync(cancellationToken);
        return await ConnectAsync(cancellationToken);
    }

    private static long UnixMs(DateTime utc) => (long)(utc - DateTime.UnixEpoch).TotalMilliseconds;

    private static DateTime FromUnixMs(long ms) => DateTime.UnixEpoch.AddMilliseconds(ms);

    public Task<DateTime?> FirstEventAsync(string space, CancellationToken cancellationToken) =>
        ScalarTimeAsync("SELECT min(ts_ms) FROM consciousness_events WHERE space = $space", space, cancellationToken);

    public Task<DateTime?> LastRollupAsync(string space, CancellationToken cancellationToken) =>
        ScalarTimeAsync("SELECT max(minute_ms) FROM event_rollups WHERE space = $space", space, cancellationToken);

    private async Task<DateTime?> ScalarTimeAsync(string sql, string space, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$space", space);
        return await command.ExecuteScalarAsync(cancellationToken) is long ms ? FromUnixMs(ms) : null;
    }

    public async Task<IReadOnlyList<RollupEvent>> ReadEventsAsync(string space, DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT event_id, user_id, x, y, resonance, ts_ms FROM consciousness_events
            WHERE space = $space AND ts_ms >= $from AND ts_ms < $to
            """;
        command.Parameters.AddWithValue("$space", space);
        command.Parameters.AddWithValue("$from", UnixMs(fromUtc));
        command.Parameters.AddWithValue("$to", UnixMs(toUtc));
        var result = new List<RollupEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new RollupEvent(Guid.Parse(reader.GetString(0)), Guid.Parse(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetDouble(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4),
                FromUnixMs(reader.GetInt64(5))));
        }
        return result;
    }

    public async Task WriteAsync(IReadOnlyList<MinuteRollup> rollups, CancellationToken cancellationToken)
    {
        if (rollups.Count == 0) return;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT OR REPLACE INTO event_rollups (space, minute_ms, avg_resonance, active_users, event_count, centroid_x, centroid_y, clusters)
            VALUES ($space, $minute, $avg, $users, $count, $cx, $cy, $clusters)
            """;
        var space = command.Parameters.Add("$space", SqliteType.Text);
        var minute = command.Parameters.Add("$minute", SqliteType.Integer);
        var avg = command.Parameters.Add("$avg", SqliteType.Real);
        var users = command.Parameters.Add("$users", SqliteType.Integer);
        var count = command.Parameters.Add("$count", SqliteType.Integer);
        var cx = command.Parameters.Add("$cx", SqliteType.Real);
        var cy = command.Parameters.Add("$cy", SqliteType.Real);
        var clusters = command.Parameters.Add("$clusters", SqliteType.Text);
        foreach (var r in rollups)
        {
            space.Value = r.Space;
            minute.Value = UnixMs(r.MinuteUtc);
            avg.Value = (object?)r.AvgResonance ?? DBNull.Value;
            users.Value = r.ActiveUsers;
            count.Value = r.EventCount;
            cx.Value = (object?)r.CentroidX ?? DBNull.Value;
            cy.Value = (object?)r.CentroidY ?? DBNull.Value;
            clusters.Value = ClusterJson.Serialize(r.Clusters);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<MinuteRollup>> QueryAsync(string space, DateTime fromUtc, DateTime toUtc, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT minute_ms, avg_resonance, active_users, event_count, centroid_x, centroid_y, clusters FROM event_rollups
            WHERE space = $space AND minute_ms >= $from AND minute_ms < $to ORDER BY minute_ms LIMIT $limit
            """;
        command.Parameters.AddWithValue("$space", space);
        command.Parameters.AddWithValue("$from", UnixMs(fromUtc));
        command.Parameters.AddWithValue("$to", UnixMs(toUtc));
        command.Parameters.AddWithValue("$limit", limit);
        var result = new List<MinuteRollup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new MinuteRollup
            {
                Space = space,
                MinuteUtc = FromUnixMs(reader.GetInt64(0)),
                AvgResonance = reader.IsDBNull(1) ? null : reader.GetDouble(1),
                ActiveUsers = reader.GetInt32(2),
                EventCount = reader.GetInt32(3),
                CentroidX = reader.IsDBNull(4) ? null : reader.GetDouble(4),
                CentroidY = reader.IsDBNull(5) ? null : reader.GetDouble(5),
                Clusters = ClusterJson.Deserialize(reader.GetString(6)),
            });
        }
        return result;
    }
}
