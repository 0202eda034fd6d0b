using System.Collections.Concurrent;

namespace Resonance.Grains.Spaces;

/// <summary>
/// Per-silo cache of space geometries, fetched once from each space grain. A space's configuration is fixed once it has
/// been read, so the cache never goes stale.
/// </summary>
public sealed class SpaceDirectory(IGrainFactory grains)
{
    private readonly ConcurrentDictionary<string, Task<SpaceGeometry>> _spaces = new(StringComparer.Ordinal);

    public Task<SpaceGeometry> GetAsync(string space)
    {
        // Every participant update asks: the known space costs a lookup, not a delegate for GetOrAdd.
        if (_spaces.TryGetValue(space, out var task) && task.IsCompletedSuccessfully) return task;
        task = _spaces.GetOrAdd(space, Fetch);
        if (task.IsFaulted || task.IsCanceled)
        {
            // Never cache a failure: the space grain may have been unreachable for a moment.
            _spaces.TryRemove(new KeyValuePair<string, Task<SpaceGeometry>>(space, task));
            task = _spaces.GetOrAdd(space, Fetch);
        }
        return task;
    }

    private async Task<SpaceGeometry> Fetch(string space) =>
        SpaceGeometry.Create(await grains.GetGrain<ISpaceGrain>(space).GetConfig());
}
