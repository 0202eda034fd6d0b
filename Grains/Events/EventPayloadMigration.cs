using System.Data.Common;
using Microsoft.Extensions.Logging;
using Resonance.Grains.Hosting.Storage;
using Resonance.Grains.Privacy;

namespace Resonance.Grains.Events;

/// <summary>
/// Seals the event payloads an earlier version stored in plaintext (PostgreSQL: a <c>jsonb</c> <c>event_data</c>
/// column; SQLite: text values), once, at silo start, before the writer runs; <c>resonance_migrations</c> records it.
/// PostgreSQL does it in one transaction under the schema lock (concurrent silos wait, then find it done) and then
/// rewrites the table (VACUUM FULL) so no dead row version keeps the plaintext; SQLite updates in place (secure_delete
/// zeroes the old cells), then VACUUMs and truncates its WAL.
/// </summary>
internal sealed partial class EventPayloadMigration(StorageDialect dialect, DbDataSource source, SubjectKeys keys, ILogger logger)
{
    public const string Name = "seal event payloads";
    /// <summary>The event store serves every service sharing the database.</summary>
    public const string AllServices = "*";
    private const int Batch = 1000;

    public async Task<long> RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        if (await Done(connection, null, cancellationToken)) return 0;
        long sealedRows = dialect == StorageDialect.Postgres
            ? await SealPostgres(connection, cancellationToken)
            : await SealSqlite(connection, cancellationToken);
        if (sealedRows > 0) LogSealed(sealedRows);
        return sealedRows;
    }

    private async Task<long> SealPostgres(DbConnection connection, CancellationToken cancellationToken)
    {
        long total = 0;
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await PostgresPartitions.Execute(connection, transaction, PostgresPartitions.SchemaLock, cancellationToken);
            if (await Done(connection, transaction, cancellationToken)) return 0;
            await using (var probe = PostgresPartitions.Command(connection, transaction,
                "SELECT data_type FROM information_schema.columns WHERE table_name = 'consciousness_events' AND column_name = 'event_data' AND table_schema = current_schema()"))
            {
                bool legacy = await probe.ExecuteScalarAsync(cancellationToken) is "jsonb";
                if (legacy)
                {
                    await PostgresPartitions.Execute(connection, transaction, """
                        ALTER TABLE consciousness_events ADD COLUMN IF NOT EXISTS event_data_sealed bytea;
                        ALTER TABLE consciousness_events ALTER COLUMN event_data DROP NOT NULL;
                        """, cancellationToken);
                    while (true)
                    {
                        var rows = new List<(Guid Id, DateTime Ts, Guid User, string Data)>();
                        await using (var read = PostgresPartitions.Command(connection, transaction, $"""
                            SELECT id, "timestamp", user_id, event_data::text FROM consciousness_events
                            WHERE event_data_sealed IS NULL LIMIT {Batch}
                            """))
                        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
                            while (await reader.ReadAsync(cancellationToken))
                                rows.Add((reader.GetGuid(0), DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc), reader.GetGuid(2), reader.GetString(3)));
                        if (rows.Count == 0) break;
                        var sealedData = await SealAll(rows.Select(r => (r.Id, r.User, r.Data)).ToList(), cancellationToken);
                        await using var update = PostgresPartitions.Command(connection, transaction, """
                            UPDATE consciousness_events e SET event_data_sealed = u.d, event_data = NULL
                            FROM unnest(@ids::uuid[], @tss::timestamptz[], @ds::bytea[]) AS u (id, ts, d)
                            WHERE e.id = u.id AND e."timestamp" = u.ts
                            """);
                        EventDialect.Add(update, "ids", rows.Select(r => r.Id).ToArray());
                        EventDialect.Add(update, "tss", rows.Select(r => r.Ts).ToArray());
                        EventDialect.Add(update, "ds", sealedData);
                        await update.ExecuteNonQueryAsync(cancellationToken);
                        total += rows.Count;
                    }
                    await PostgresPartitions.Execute(connection, transaction, """
                        ALTER TABLE consciousness_events DROP COLUMN event_data;
                        ALTER TABLE consciousness_events RENAME COLUMN event_data_sealed TO event_data;
                        ALTER TABLE consciousness_events ALTER COLUMN event_data SET NOT NULL;
                        """, cancellationToken);
                }
            }
            await Mark(connection, transaction, total, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        // The old row versions (plaintext) are dead now; rewriting the table drops them from its files.
        if (total > 0) await PostgresPartitions.Execute(connection, null, "VACUUM FULL consciousness_events", cancellationToken);
        return total;
    }

    private async Task<long> SealSqlite(DbConnection connection, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            var rows = new List<(Guid Id, Guid User, string Data)>();
            await using (var read = PostgresPartitions.Command(connection, null,
                $"SELECT event_id, user_id, data FROM consciousness_events WHERE typeof(data) = 'text' LIMIT {Batch}"))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken))
                    rows.Add((Guid.Parse(reader.GetString(0)), Guid.Parse(reader.GetString(1)), reader.GetString(2)));
            if (rows.Count == 0) break;
            var sealedData = await SealAll(rows, cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var update = PostgresPartitions.Command(connection, transaction, "UPDATE consciousness_events SET data = @data WHERE event_id = @id");
            for (int k = 0; k < rows.Count; k++)
            {
                update.Parameters.Clear();
                EventDialect.Add(update, "id", rows[k].Id.ToString());
                EventDialect.Add(update, "data", sealedData[k]);
                await update.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            total += rows.Count;
        }
        await Mark(connection, null, total, cancellationToken);
        if (total > 0) await SqliteScrub.RunAsync(connection, cancellationToken);
        return total;
    }

    /// <summary>Seals each row's text under its subject's key (keys are created as needed; an erased subject's row gets an empty payload, unreadable like any shredded one).</summary>
    private async Task<byte[][]> SealAll(List<(Guid Id, Guid User, string Data)> rows, CancellationToken cancellationToken)
    {
        var subjectKeys = await keys.GetOrCreateAsync(rows.Select(r => r.User).ToHashSet(), cancellationToken);
        return [.. rows.Select(r => subjectKeys.TryGetValue(r.User, out var key) ? key.Seal(r.Id, r.Data) : Array.Empty<byte>())];
    }

    private static async Task<bool> Done(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = PostgresPartitions.Command(connection, transaction, "SELECT count(*) FROM resonance_migrations WHERE service_id = @service AND name = @name");
        EventDialect.Add(command, "service", AllServices);
        EventDialect.Add(command, "name", Name);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken)) > 0;
    }

    private static async Task Mark(DbConnection connection, DbTransaction? transaction, long rows, CancellationToken cancellationToken)
    {
        await using var command = PostgresPartitions.Command(connection, transaction,
            "INSERT INTO resonance_migrations (service_id, name, rows_moved) VALUES (@service, @name, @rows) ON CONFLICT DO NOTHING");
        EventDialect.Add(command, "service", AllServices);
        EventDialect.Add(command, "name", Name);
        EventDialect.Add(command, "rows", rows);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sealed {Count} event payloads stored in plaintext by an earlier version")]
    private partial void LogSealed(long count);
}
