using Npgsql;
using NpgsqlTypes;

namespace Resonance.Grains.Rollups;

/// <summary>Rollups in PostgreSQL: reads <c>consciousness_events</c> (created by the gateways), owns <c>event_rollups</c>.</summary>
public sealed class PostgresRollupStore : IRollupStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _source;
    private readonly Lazy<Task> _schema;

    public PostgresRollupStore(string connectionString)
    {
        _source = NpgsqlDataSource.Create(connectionString);
        _schema = new Lazy<Task>(ApplySchemaAsync);
    }

    private async Task ApplySchemaAsync()
    {
        await using var connection = await _source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // Concurrent CREATE TABLE IF NOT EXISTS from several silos can still collide; the lock serialises them.
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('resonance.event_rollups'))", connection, transaction))
            await lockCommand.ExecuteNonQueryAsync();
        await using (var command = new NpgsqlCommand(RollupSql.Load("rollups.postgres.sql"), connection, transaction))
            await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await _schema.Value.WaitAsync(cancellationToken);
        return await _source.OpenConnectionAsync(cancellationToken);
    }

    public async Task<DateTime?> FirstEventAsync(string space, CancellationToken cancellationToken) =>
        await ScalarTimeAsync("SELECT min(\"timestamp\") FROM consciousness_events WHERE space = @space", space, cancellationToken);

    public async Task<DateTime?> LastRollupAsync(string space, CancellationToken cancellationToken) =>
        await ScalarTimeAsync("SELECT max(minute) FROM event_rollups WHERE space = @space", space, cancellationToken);

    private async Task<DateTime?> ScalarTimeAsync(string sql, string space, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("space", space);
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime t ? t : null;
    }

    public async Task<IReadOnlyList<RollupEvent>> ReadEventsAsync(string space, DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT id, user_id, ST_X(position), ST_Y(position), resonance, "timestamp" FROM consciousness_events
            WHERE space = @space AND "timestamp" >= @from AND "timestamp" < @to
            """, connection);
        command.Parameters.AddWithValue("space", space);
        command.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, fromUtc);
        command.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, toUtc);
        var result = new List<RollupEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new RollupEvent(reader.GetGuid(0), reader.GetGuid(1),
                reader.IsDBNull(2) ? null : reader.GetDouble(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4),
                reader.GetFieldValue<DateTime>(5)));
        }
        return result;
    }

    public async Task WriteAsync(IReadOnlyList<MinuteRollup> rollups, CancellationToken cancellationToken)
    {
        if (rollups.Count == 0) return;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO event_rollups (space, minute, avg_resonance, active_users, event_count, centroid_x, centroid_y, clusters)
            VALUES (@space, @minute, @avg, @users, @count, @cx, @cy, @clusters)
            ON CONFLICT (space, minute) DO UPDATE SET
                avg_resonance = excluded.avg_resonance, active_users = excluded.active_users, event_count = excluded.event_count,
                centroid_x = excluded.centroid_x, centroid_y = excluded.centroid_y, clusters = excluded.clusters
            """, connection, transaction);
        var space = command.Parameters.Add("space", NpgsqlDbType.Text);
        var minute = command.Parameters.Add("minute", NpgsqlDbType.TimestampTz);
        var avg = command.Parameters.Add("avg", NpgsqlDbType.Double);
        var users = command.Parameters.Add("users", NpgsqlDbType.Integer);
        var count = command.Parameters.Add("count", NpgsqlDbType.Integer);
        var cx = command.Parameters.Add("cx", NpgsqlDbType.Double);
        var cy = command.Parameters.Add("cy", NpgsqlDbType.Double);
        var clusters = command.Parameters.Add("clusters", NpgsqlDbType.Jsonb);
        foreach (var r in rollups)
        {
            space.Value = r.Space;
            minute.Value = r.MinuteUtc;
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
        await using var command = new NpgsqlCommand("""
            SELECT minute, avg_resonance, active_users, event_count, centroid_x, centroid_y, clusters::text FROM event_rollups
            WHERE space = @space AND minute >= @from AND minute < @to ORDER BY minute LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("space", space);
        command.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, fromUtc);
        command.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, toUtc);
        command.Parameters.AddWithValue("limit", limit);
        var result = new List<MinuteRollup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new MinuteRollup
            {
                Space = space,
                MinuteUtc = reader.GetFieldValue<DateTime>(0),
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

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
