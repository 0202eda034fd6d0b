namespace Resonance.Gateway.Events;

/// <summary>Durable storage of consciousness events. <see cref="AppendAsync"/> returns only after the batch is committed.</summary>
public interface IEventStore
{
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Commits the batch; events whose id is already stored are ignored (idempotent).</summary>
    Task AppendAsync(IReadOnlyList<EventRecord> batch, CancellationToken cancellationToken);

    /// <summary>Events of a space in [from, to), oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<EventRecord>> QueryAsync(string space, DateTime fromUtc, DateTime toUtc, int limit, CancellationToken cancellationToken);

    Task<long> CountAsync(string space, CancellationToken cancellationToken);
}
