using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Resonance.Gateway.Hosting;
using Resonance.Grains;
using Resonance.Grains.Spaces;

namespace Resonance.Gateway.Spaces;

/// <summary>The process's hubs, one per space, created on first use and kept for the life of the process.</summary>
public sealed class SpaceHubRegistry(IGrainFactory grains, IOptions<GatewayOptions> options, ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<SpaceHub>>> _hubs = new(StringComparer.Ordinal);

    public IEnumerable<SpaceHub> Active => _hubs.Values.Where(l => l.IsValueCreated && l.Value.IsCompletedSuccessfully).Select(l => l.Value.Result);

    public Task<SpaceHub> GetAsync(string space)
    {
        var lazy = _hubs.GetOrAdd(space, s => new Lazy<Task<SpaceHub>>(() => Create(s)));
        var task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled)
        {
            // Never keep a failure: the cluster may have been unreachable for a moment.
            _hubs.TryRemove(new KeyValuePair<string, Lazy<Task<SpaceHub>>>(space, lazy));
            task = _hubs.GetOrAdd(space, s => new Lazy<Task<SpaceHub>>(() => Create(s))).Value;
        }
        return task;
    }

    private async Task<SpaceHub> Create(string space)
    {
        var grain = grains.GetGrain<ISpaceGrain>(space);
        var geometry = SpaceGeometry.Create(await grain.GetConfig());
        var latest = await grain.GetLatestTick();
        var hub = new SpaceHub(space, geometry, latest, grains, options.Value, loggers.CreateLogger<SpaceHub>());
        try
        {
            await hub.SubscribeAsync();
        }
        catch
        {
            // Its loops are already running: stop them, or an abandoned hub would keep observing the space forever.
            await hub.DisposeAsync();
            throw;
        }
        return hub;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hub in Active.ToArray()) await hub.DisposeAsync();
        _hubs.Clear();
    }
}
