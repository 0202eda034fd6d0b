using Orleans.Concurrency;

namespace Resonance.Grains.Events;

/// <summary>
/// Appends and queries through the local silo's <see cref="EventWriter"/> and <see cref="IEventStore"/>. Stateless and
/// reentrant: it only hands work to the writer, whose group commit turns concurrent appends into few transactions.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class EventLogGrain(EventWriter writer, IEventStore store) : Grain, IEventLogGrain
{
    public Task<Guid[]> Append(EventRecord[] records) => writer.WriteAsync(records, CancellationToken.None);

    public async Task<EventRecord[]> Query(EventQuery query) => [.. await store.QueryAsync(query, CancellationToken.None)];

    public Task<long> Count(string space) => store.CountAsync(space, CancellationToken.None);
}
