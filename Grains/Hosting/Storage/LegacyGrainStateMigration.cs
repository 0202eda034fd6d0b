using System.Data.Common;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Resonance.Grains.Cells;
using Resonance.Grains.Nodes;
using Resonance.Grains.Spaces;

namespace Resonance.Grains.Hosting.Storage;

/// <summary>
/// Moves grain state written by the earlier layout (table <c>resonance_grain_state</c>: one row per service, state name
/// and <c>GrainId</c> text, Orleans-binary payload) into the ADO.NET provider's table, through the provider itself, so
/// keys, hashes and versions are exactly what it will read back. Runs once per service at silo start, before grains
/// activate; a row whose grain already has new state is left alone (a silo that moved it first, or a later write).
/// The old table stays as it was, as a backup; <c>resonance_migrations</c> records that the move is done.
/// </summary>
public sealed partial class LegacyGrainStateMigration(
    StorageDialect dialect,
    DbDataSource source,
    string serviceId,
    IGrainStorage storage,
    IGrainStorageSerializer serializer,
    ILogger<LegacyGrainStateMigration> logger)
{
    public const string LegacyTable = "resonance_grain_state";
    public const string Name = "resonance_grain_state to grain_state";

    /// <summary>Rows moved by this run (0 when there was nothing to do).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        if (!await LegacyTableExists(connection, cancellationToken) || await Done(connection, cancellationToken)) return 0;

        var rows = new List<(string State, string Grain, byte[] Payload)>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = $"SELECT state_name, grain_id, payload FROM {LegacyTable} WHERE service_id = @service";
            GrainStateSchema.Add(read, "service", serviceId);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                rows.Add((reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2)));
        }

        int moved = 0, kept = 0, unknown = 0;
        foreach (var (state, grain, payload) in rows)
        {
            var id = GrainId.Parse(grain);
            bool? result = state switch
            {
                "node" => await Move<NodeState>(state, id, payload),
                "cell" => await Move<CellState>(state, id, payload),
                "space" => await Move<SpaceState>(state, id, payload),
                _ => null,
            };
            if (result is null)
            {
                unknown++;
                LogUnknownState(state, grain);
            }
            else if (result.Value) moved++;
            else kept++;
        }

        await using (var mark = connection.CreateCommand())
        {
            mark.CommandText = "INSERT INTO resonance_migrations (service_id, name, rows_moved) VALUES (@service, @name, @moved) ON CONFLICT DO NOTHING";
            GrainStateSchema.Add(mark, "service", serviceId);
            GrainStateSchema.Add(mark, "name", Name);
            GrainStateSchema.Add(mark, "moved", (long)moved);
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        LogMoved(moved, kept, unknown, serviceId);
        return moved;
    }

    /// <summary>True when the row was written, false when the grain already had state in the new table.</summary>
    private async Task<bool> Move<T>(string stateName, GrainId id, byte[] payload)
    {
        var current = new GrainState<T>();
        await storage.ReadStateAsync(stateName, id, current);
        if (current.RecordExists) return false;
        current.State = serializer.Deserialize<T>(new BinaryData(payload));
        try
        {
            await storage.WriteStateAsync(stateName, id, current);
            return true;
        }
        catch (InconsistentStateException)
        {
            // Another silo of the same service moved this row between the read and the write.
            return false;
        }
    }

    private async Task<bool> LegacyTableExists(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = dialect == StorageDialect.Postgres
            ? $"SELECT to_regclass('{LegacyTable}') IS NOT NULL"
            : $"SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '{LegacyTable}'";
        return Convert.ToBoolean(await command.ExecuteScalarAsync(cancellationToken));
    }

    private async Task<bool> Done(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM resonance_migrations WHERE service_id = @service AND name = @name";
        GrainStateSchema.Add(command, "service", serviceId);
        GrainStateSchema.Add(command, "name", Name);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken)) > 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {Moved} grain states of service {ServiceId} from the earlier layout ({Kept} already present, {Unknown} of unknown state names)")]
    private partial void LogMoved(int moved, int kept, int unknown, string serviceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain state {StateName} of {GrainId} in the earlier layout has no known type; left in the old table")]
    private partial void LogUnknownState(string stateName, string grainId);
}
