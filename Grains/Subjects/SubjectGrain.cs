using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resonance.Grains.Events;
using Resonance.Grains.Privacy;

namespace Resonance.Grains.Subjects;

/// <summary>
/// A data subject: preferences, the durable index of its memory nodes, export and erasure (<see cref="ISubjectGrain"/>).
/// Erasure is crypto-shredding: the data key goes, so every payload sealed under it is unreadable wherever it is stored
/// (immutable partitions, replicas); the memory nodes are deleted outright as well.
/// </summary>
public sealed partial class SubjectGrain(
    [PersistentState("subject", ResonanceStorage.Name)] IPersistentState<SubjectState> state,
    SubjectKeys keys,
    IServiceProvider services,
    ILogger<SubjectGrain> logger) : Grain, ISubjectGrain
{
    private Guid Subject => this.GetPrimaryKey();
    private bool Erased => state.State.ErasedUtc is not null;

    public Task<SubjectPreferences> GetPreferences() => Task.FromResult(state.State.Preferences);

    public Task<bool> IsCollective() => Task.FromResult(!Erased && state.State.Preferences.Collective);

    public async Task SetPreferences(SubjectPreferences preferences)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        if (Erased) throw new InvalidOperationException($"User {Subject} is erased.");
        state.State.Preferences = preferences;
        await state.WriteStateAsync();
        await Task.WhenAll(state.State.Participants.Keys.Select(p => GrainFactory.GetGrain<INodeGrain>(p).SetCollective(preferences.Collective)));
    }

    public async Task JoinParticipant(Guid node, string space)
    {
        if (Erased) throw new InvalidOperationException($"User {Subject} is erased.");
        if (state.State.Participants.TryGetValue(node, out var known) && known == space) return;
        state.State.Participants[node] = space;
        await state.WriteStateAsync();
    }

    public async Task AddTokenFamily(Guid family)
    {
        if (Erased) throw new InvalidOperationException($"User {Subject} is erased.");
        if (!state.State.TokenFamilies.Add(family)) return;
        await state.WriteStateAsync();
    }

    public async Task AddMemory(Guid node, string space)
    {
        if (Erased) throw new InvalidOperationException($"User {Subject} is erased; no memory is stored for it.");
        if (state.State.MemoryNodes.TryGetValue(node, out var known) && known == space) return;
        state.State.MemoryNodes[node] = space;
        await state.WriteStateAsync();
    }

    public async Task RemoveMemory(Guid node)
    {
        // Only when the node is really gone: a remove overtaken by a re-crystallisation must not unlist it.
        if (!state.State.MemoryNodes.ContainsKey(node)) return;
        var snapshot = await GrainFactory.GetGrain<INodeGrain>(node).GetSnapshot();
        if (snapshot is { Live: true } && snapshot.Owner == Subject) return;
        state.State.MemoryNodes.Remove(node);
        await state.WriteStateAsync();
    }

    public Task<Guid[]> GetMemoryNodes() => Task.FromResult(state.State.MemoryNodes.Keys.ToArray());

    public async Task<SubjectExport> Export()
    {
        var memories = new List<NodeSnapshot>();
        foreach (var id in state.State.MemoryNodes.Keys)
            if (await GrainFactory.GetGrain<INodeGrain>(id).GetSnapshot() is { Live: true, Kind: NodeKind.Memory } node && node.Owner == Subject)
                memories.Add(node);
        var participants = new List<ExportedParticipant>();
        foreach (var id in state.State.Participants.Keys)
        {
            var grain = GrainFactory.GetGrain<INodeGrain>(id);
            if (await grain.GetSnapshot() is { Live: true, Kind: NodeKind.Participant } node)
                participants.Add(new ExportedParticipant(node, await grain.GetPartners()));
        }
        EventRecord[] events = [];
        if (services.GetService<EventStore>() is { } store)
            events = [.. await store.QueryBySubjectAsync(Subject, ISubjectGrain.MaxExportEvents + 1, CancellationToken.None)];
        bool truncated = events.Length > ISubjectGrain.MaxExportEvents;
        return new SubjectExport
        {
            Subject = Subject,
            Preferences = state.State.Preferences,
            MemoryNodes = [.. memories],
            Events = truncated ? events[..ISubjectGrain.MaxExportEvents] : events,
            EventsTruncated = truncated,
            Participants = [.. participants],
            Erased = Erased,
            ExportedUtc = DateTime.UtcNow,
            TokenFamilies = [.. state.State.TokenFamilies],
        };
    }

    public async Task Erase()
    {
        // Recorded first: from here on the subject takes no new memory, preferences or collective part.
        state.State.ErasedUtc ??= DateTime.UtcNow;
        await state.WriteStateAsync();
        await keys.ShredAsync(Subject);
        var nodes = state.State.MemoryNodes.Keys.ToArray();
        foreach (var id in nodes) await GrainFactory.GetGrain<INodeGrain>(id).Erase();
        foreach (var id in state.State.Participants.Keys) await GrainFactory.GetGrain<INodeGrain>(id).Erase();
        // The family list stays (ids only): a retried erasure revokes again, and export shows what was revoked.
        foreach (var family in state.State.TokenFamilies) await GrainFactory.GetGrain<IRefreshTokenFamilyGrain>(family).Revoke();
        state.State.MemoryNodes.Clear();
        state.State.Participants.Clear();
        state.State.Preferences = new SubjectPreferences { Collective = false };
        await state.WriteStateAsync();
        LogErased(Subject, nodes.Length);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Subject {Subject} erased: data key shredded, {Nodes} memory nodes deleted")]
    private partial void LogErased(Guid subject, int nodes);
}
