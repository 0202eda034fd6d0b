namespace Resonance.Grains;

/// <summary>
/// Per-minute rollups of a space's stored consciousness events (key: space id). Driven by an Orleans reminder: each tick
/// rolls up the minutes completed since the last one, reading the raw events from the event store.
/// </summary>
public interface IRollupGrain : IGrainWithStringKey
{
    /// <summary>Registers the reminder if it is not registered yet (idempotent, cheap to call repeatedly).</summary>
    Task Start();

    /// <summary>Rolls up every completed minute not rolled up yet, now; returns how many minutes had events.</summary>
    Task<int> RollUpNow();

    /// <summary>Stored rollups of minutes in [from, to), oldest first, at most <paramref name="limit"/>.</summary>
    Task<MinuteRollup[]> Get(DateTime fromUtc, DateTime toUtc, int limit);
}
