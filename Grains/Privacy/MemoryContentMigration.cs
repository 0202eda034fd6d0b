using System.Data.Common;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Resonance.Grains.Hosting.Storage;
using Resonance.Grains.Nodes;
using Resonance.Grains.Subjects;

namespace Resonance.Grains.Privacy;

/// <summary>
/// Seals memory content that an earlier version kept in plaintext inside node grain state, and lists every memory node
/// in its owner's <see cref="ISubjectGrain"/> index (which that version did not have). Runs once per service at silo
/// start, after the move of the older layout and before grains activate, through the storage provider itself; then
/// <c>resonance_migrations</c> records it and a SQLite file is scrubbed (VACUUM, WAL truncated) so no old page keeps
/// the plaintext. (A node activated before this ran seals itself the same way.)
/// </summary>
public sealed partial class MemoryContentMigration(
    StorageDialect dialect,
    DbDataSource source,
    string serviceId,
    IGrainStorage storage,
    IGrainStorageSerializer serializer,
    IGrainFactory grains,
    SubjectKeys keys,
    ILogger<MemoryContentMigration> logger)
{
    public const string Name = "seal memory content";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        if (await Done(connection, cancellationToken)) return 0;

        var payloads = new List<byte[]>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT payload FROM grain_state WHERE service_id = @service AND state_name = 'node' AND payload IS NOT NULL";
            GrainStateSchema.Add(read, "service", serviceId);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) payloads.Add((byte[])reader.GetValue(0));
        }

        int sealedCount = 0;
        var owners = new Dictionary<Guid, Dictionary<Guid, string>>();
        foreach (var payload in payloads)
        {
            var stored = serializer.Deserialize<NodeState>(new BinaryData(payload));
            if (stored?.Snapshot is not { Kind: NodeKind.Memory, Owner: { } owner } node) continue;
            if (node.Content is null && stored.Indexed) continue;
            var id = grains.GetGrain<INodeGrain>(node.Id).GetGrainId();
            var current = new GrainState<NodeState>();
            await storage.ReadStateAsync("node", id, current);
            if (current.State?.Snapshot is not { } snapshot) continue;
            if (snapshot.Content is { } content)
            {
                var key = await keys.GetOrCreateAsync(owner, cancellationToken);
                current.State.SealedContent = key?.Seal(snapshot.Id, content);
                current.State.Snapshot = snapshot with { Content = null };
                sealedCount++;
            }
            if (snapshot.Live)
            {
                if (!owners.TryGetValue(owner, out var nodes)) owners[owner] = nodes = [];
                nodes[snapshot.Id] = snapshot.Space;
            }
            current.State.Indexed = true;
            await storage.WriteStateAsync("node", id, current);
        }

        foreach (var (owner, nodes) in owners)
        {
            var id = grains.GetGrain<ISubjectGrain>(owner).GetGrainId();
            var subject = new GrainState<SubjectState>();
            await storage.ReadStateAsync("subject", id, subject);
            subject.State ??= new SubjectState();
            foreach (var (node, space) in nodes) subject.State.MemoryNodes[node] = space;
            await storage.WriteStateAsync("subject", id, subject);
        }

        await using (var mark = connection.CreateCommand())
        {
            mark.CommandText = "INSERT INTO resonance_migrations (service_id, name, rows_moved) VALUES (@service, @name, @moved) ON CONFLICT DO NOTHING";
            GrainStateSchema.Add(mark, "service", serviceId);
            GrainStateSchema.Add(mark, "name", Name);
            GrainStateSchema.Add(mark, "moved", (long)sealedCount);
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        // The earlier layout's table was kept as a backup of the move; it holds memory content in plaintext, so it goes.
        bool dropped = false;
        if (await LegacyMoved(connection, cancellationToken))
        {
            await using var drop = connection.CreateCommand();
            drop.CommandText = $"DROP TABLE IF EXISTS {LegacyGrainStateMigration.LegacyTable}";
            await drop.ExecuteNonQueryAsync(cancellationToken);
            dropped = true;
        }
        if ((sealedCount > 0 || dropped) && dialect == StorageDialect.Sqlite) await SqliteScrub.RunAsync(connection, cancellationToken);
        if (sealedCount > 0 && dialect == StorageDialect.Postgres)
        {
            // The replaced row versions held the plaintext: rewrite the table without them.
            await using var vacuum = connection.CreateCommand();
            vacuum.CommandText = "VACUUM FULL grain_state";
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }
        LogSealed(sealedCount, owners.Count, serviceId);
        return sealedCount;
    }

    private Task<bool> Done(DbConnection connection, CancellationToken cancellationToken) => Marked(connection, Name, cancellationToken);

    private Task<bool> LegacyMoved(DbConnection connection, CancellationToken cancellationToken) =>
        Marked(connection, LegacyGrainStateMigration.Name, cancellationToken);

    private async Task<bool> Marked(DbConnection connection, string name, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM resonance_migrations WHERE service_id = @service AND name = @name";
        GrainStateSchema.Add(command, "service", serviceId);
        GrainStateSchema.Add(command, "name", name);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken)) > 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sealed the plaintext content of {Count} memory nodes and indexed the memory nodes of {Owners} owners (service {ServiceId})")]
    private partial void LogSealed(int count, int owners, string serviceId);
}
