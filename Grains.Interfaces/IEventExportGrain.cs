using Orleans.Concurrency;

namespace Resonance.Grains;

/// <summary>
/// Appends every committed event to the configured Redis stream (one per cluster, key 0). Silos poke it after each
/// commit; it also polls, and a reminder brings it back after its silo is lost. Its position is the stream's own last id.
/// </summary>
public interface IEventExportGrain : IGrainWithIntegerKey
{
    Task Start();

    /// <summary>New events were committed: export them soon. Never waits for Redis.</summary>
    [OneWay, AlwaysInterleave]
    Task Poke();

    /// <summary>The last commit sequence number the stream holds (0: none); reads Redis.</summary>
    Task<long> ExportedThrough();
}
