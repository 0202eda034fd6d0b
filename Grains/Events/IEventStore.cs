namespace Resonance.Grains.Events;

/// <summary>Durable storage of consciousness events. <see cref="AppendAsync"/> returns only after the batch is committed.</summary>
public interface IEventStore
{
    /// <summary>Creates or completes the schema; safe to run repeatedly and from several gateways at once.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Commits the batch; events whose id is already stored are ignored (idempotent). Returns the ids of events refused
    /// because their subject is erased (nothing is stored for them).
    /// </summary>
    Task<IReadOnlyCollection<Guid>> AppendAsync(IReadOnlyList<EventRecord> batch, CancellationToken cancellationToken);

    Task<IReadOnlyList<EventRecord>> QueryAsync(EventQuery query, CancellationToken cancellationToken);

    /// <summary>Events of a space in [from, to), oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<EventRecord>> QueryAsync(string space, DateTime fromUtc, DateTime toUtc, int limit, CancellationToken cancellationToken) =>
        QueryAsync(new EventQuery(space, fromUtc, toUtc, limit), cancellationToken);

    Task<long> CountAsync(string space, CancellationToken cancellationToken);

    /// <summary>Prepares storage ahead of <paramref name="nowUtc"/> and drops events older than <paramref name="retention"/>.</summary>
    Task<EventMaintenanceReport> MaintainAsync(DateTime nowUtc, TimeSpan retention, CancellationToken cancellationToken);
}
