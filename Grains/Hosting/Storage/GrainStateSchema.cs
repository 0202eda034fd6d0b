using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Resonance.Grains.Hosting.Storage;

/// <summary>
/// Applies <see cref="GrainStateSql"/>'s schema and installs its statements in <c>OrleansQuery</c>, where the ADO.NET
/// provider reads them when it starts. Idempotent; on PostgreSQL several silos starting at once take turns (an advisory
/// lock), since concurrent <c>CREATE TABLE IF NOT EXISTS</c> can collide. Every start re-installs the statements, so an
/// upgrade's changed SQL takes effect with it.
/// </summary>
public sealed partial class GrainStateSchema(StorageDialect dialect, DbDataSource source, ILogger<GrainStateSchema> logger)
{
    // Any fixed key: only this installer takes it.
    private const long LockKey = 0x7265736f6e616e63;

    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        if (dialect == StorageDialect.Sqlite)
        {
            var path = new SqliteConnectionStringBuilder(source.ConnectionString).DataSource;
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null) Directory.CreateDirectory(directory);
        }
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        if (dialect == StorageDialect.Sqlite)
            await Execute(connection, null, "PRAGMA journal_mode = WAL", cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (dialect == StorageDialect.Postgres)
            await Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
        await Execute(connection, transaction, GrainStateSql.Load(dialect, "schema"), cancellationToken);
        foreach (string key in GrainStateSql.QueryKeys)
        {
            await using var upsert = connection.CreateCommand();
            upsert.Transaction = transaction;
            upsert.CommandText = GrainStateSql.UpsertQuery;
            Add(upsert, "key", key);
            Add(upsert, "text", GrainStateSql.Load(dialect, key));
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        LogReady(dialect);
    }

    private static async Task Execute(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static void Add(DbCommand command, string name, object? value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
    }

    /// <summary>The database behind <paramref name="connectionString"/>, as the provider and the migration use it.</summary>
    public static DbDataSource OpenDataSource(StorageDialect dialect, string connectionString) => dialect == StorageDialect.Postgres
        ? NpgsqlDataSource.Create(PostgresConnectionString.WithDefaults(connectionString))
        : new SqliteDataSource(connectionString);

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain state schema and provider statements installed ({Dialect})")]
    private partial void LogReady(StorageDialect dialect);
}
