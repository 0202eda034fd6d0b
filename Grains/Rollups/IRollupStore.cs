namespace Resonance.Grains.Rollups;

/// <summary>
/// The rollup grain's own access to the event store, registered in the silo (the gateway's writer lives in another
/// process in client mode): reads raw <c>consciousness_events</c>, reads and writes <c>event_rollups</c>.
/// </summary>
public interface IRollupStore
{
    /// <summary>Time of the space's oldest stored event, or null when it has none.</summary>
    Task<DateTime?> FirstEventAsync(string space, CancellationToken cancellationToken);

    /// <summary>Start of the space's newest stored rollup minute, or null when it has none.</summary>
    Task<DateTime?> LastRollupAsync(string space, CancellationToken cancellationToken);

    /// <summary>The space's events in [from, to), in no particular order.</summary>
    Task<IReadOnlyList<RollupEvent>> ReadEventsAsync(string space, DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken);

    /// <summary>Stores the rollups in one transaction, replacing rows of the same space and minute.</summary>
    Task WriteAsync(IReadOnlyList<MinuteRollup> rollups, CancellationToken cancellationToken);

    /// <summary>
    /// The space's marks of minutes before <paramref name="beforeUtc"/> (each committed batch marks the minutes it stored
    /// events for), oldest first, at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<RollupMark>> MarksAsync(string space, DateTime beforeUtc, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes exactly these marks (a mark committed meanwhile stays, even for the same minute).</summary>
    Task DeleteMarksAsync(string space, IReadOnlyList<long> seqs, CancellationToken cancellationToken);

    /// <summary>Rollups of minutes in [from, to), oldest first.</summary>
    Task<IReadOnlyList<MinuteRollup>> QueryAsync(string space, DateTime fromUtc, DateTime toUtc, int limit, CancellationToken cancellationToken);
}
