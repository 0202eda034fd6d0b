using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Storage;

namespace Resonance.Grains.Hosting.Storage;

/// <summary>
/// Grain state in PostgreSQL or SQLite through ADO.NET, with this project's own schema (<see cref="GrainStateSchema"/>).
/// State is serialised with the silo's grain-storage serializer; the etag is the row's write counter, so a stale writer
/// gets an <see cref="InconsistentStateException"/> instead of overwriting newer state. The schema is applied on first use.
/// </summary>
public sealed partial class RelationalGrainStorage(
    string name,
    StorageDialect dialect,
    string connectionString,
    string serviceId,
    IGrainStorageSerializer serializer,
    ILogger<RelationalGrainStorage> logger) : IGrainStorage
{
    private readonly DbDataSource _source = dialect == StorageDialect.Postgres
        ? NpgsqlDataSource.Create(connectionString)
        : new SqliteDataSource(connectionString);
    private Task? _schema;
    private readonly Lock _schemaLock = new();

    /// <summary>Applies the schema (idempotent); called on first use, and by tools and tests directly.</summary>
    public Task EnsureSchemaAsync()
    {
        lock (_schemaLock)
        {
            if (_schema is null || _schema.IsFaulted) _schema = ApplySchema();
            return _schema;
        }
    }

    private async Task ApplySchema()
    {
        if (dialect == StorageDialect.Sqlite)
        {
            var path = new SqliteConnectionStringBuilder(connectionString).DataSource;
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null) Directory.CreateDirectory(directory);
        }
        await using var command = _source.CreateCommand(GrainStateSchema.Create(dialect));
        await command.ExecuteNonQueryAsync();
        LogSchemaReady(name, dialect);
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await EnsureSchemaAsync();
        await using var command = Command(GrainStateSchema.Read, stateName, grainId);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        long etag = reader.GetInt64(0);
        var payload = (byte[])reader.GetValue(1);
        grainState.State = serializer.Deserialize<T>(new BinaryData(payload));
        grainState.ETag = etag.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await EnsureSchemaAsync();
        byte[] payload = serializer.Serialize(grainState.State).ToArray();
        bool first = grainState.ETag is null;
        await using var command = Command(first ? GrainStateSchema.Insert : GrainStateSchema.Update, stateName, grainId);
        Add(command, "type", grainId.Type.ToString());
        Add(command, "payload", payload);
        if (!first) Add(command, "etag", long.Parse(grainState.ETag!, CultureInfo.InvariantCulture));
        int rows = await command.ExecuteNonQueryAsync();
        if (rows != 1)
            throw new InconsistentStateException(
                $"Grain state {stateName} of {grainId} in '{name}' changed underneath this activation (expected etag {grainState.ETag ?? "none"}).",
                storedEtag: "unknown", currentEtag: grainState.ETag ?? "none");
        long next = first ? 1 : long.Parse(grainState.ETag!, CultureInfo.InvariantCulture) + 1;
        grainState.ETag = next.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await EnsureSchemaAsync();
        if (grainState.ETag is not null)
        {
            await using var command = Command(GrainStateSchema.Delete, stateName, grainId);
            Add(command, "etag", long.Parse(grainState.ETag, CultureInfo.InvariantCulture));
            if (await command.ExecuteNonQueryAsync() != 1)
                throw new InconsistentStateException(
                    $"Grain state {stateName} of {grainId} in '{name}' changed underneath this activation (expected etag {grainState.ETag}).",
                    storedEtag: "unknown", currentEtag: grainState.ETag);
        }
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }

    private DbCommand Command(string sql, string stateName, GrainId grainId)
    {
        var command = _source.CreateCommand(sql);
        Add(command, "service", serviceId);
        Add(command, "state", stateName);
        Add(command, "grain", grainId.ToString());
        return command;
    }

    private static void Add(DbCommand command, string parameter, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = parameter;
        p.Value = value;
        command.Parameters.Add(p);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain storage {Name} ready ({Dialect})")]
    private partial void LogSchemaReady(string name, StorageDialect dialect);
}
