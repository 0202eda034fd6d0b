using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Resonance.Gateway.Hosting;
using Resonance.Grains;
using Resonance.Grains.Spaces;

namespace Resonance.Gateway.Spaces;

/// <summary>
/// The process's hubs, one per space, created on first use. One pump drives them all (relay and participant batches,
/// field frames, subscription upkeep) and releases a hub nobody used for <see cref="GatewayOptions.HubIdleRelease"/>; it
/// runs only while there are hubs, so an idle gateway does nothing.
/// </summary>
public sealed partial class SpaceHubRegistry(IGrainFactory grains, IOptions<GatewayOptions> options, GatewayCounters counters,
    ILoggerFactory loggers, IdleMemoryReturn idleMemory) : IAsyncDisposable
{
    private readonly FanOut _fanOut = new(Environment.ProcessorCount);
    private readonly Events.CollectiveSubjects _collective = new(grains);

    /// <summary>The pump's period: the fastest field-frame rate a client may ask for.</summary>
    private static readonly TimeSpan PumpPeriod = TimeSpan.FromMilliseconds(1000.0 / Protocol.ClientMessageParser.MaxFrameRate);

    private readonly ConcurrentDictionary<string, Lazy<Task<SpaceHub>>> _hubs = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger<SpaceHubRegistry>();
    private readonly Lock _pumpGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _pump;
    private long _released;

    public IEnumerable<SpaceHub> Active => _hubs.Values.Where(l => l.IsValueCreated && l.Value.IsCompletedSuccessfully).Select(l => l.Value.Result);

    /// <summary>Hubs released so far because nobody used them.</summary>
    public long Released => Interlocked.Read(ref _released);

    /// <summary>The space's hub, for a REST request (it keeps the hub for a while).</summary>
    public async Task<SpaceHub> GetAsync(string space)
    {
        var hub = await GetOrCreateAsync(space);
        hub.MarkUsed();
        return hub;
    }

    /// <summary>The space's hub with <paramref name="session"/> added (a hub released meanwhile is replaced).</summary>
    public async Task<SpaceHub> JoinAsync(string space, Func<SpaceHub, Sessions.ClientSession> session)
    {
        while (true)
        {
            var hub = await GetOrCreateAsync(space);
            if (hub.TryAdd(session(hub))) return hub;
            Forget(space, hub);
        }
    }

    private Task<SpaceHub> GetOrCreateAsync(string space)
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

    private void Forget(string space, SpaceHub hub)
    {
        if (_hubs.TryGetValue(space, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && ReferenceEquals(lazy.Value.Result, hub))
            _hubs.TryRemove(new KeyValuePair<string, Lazy<Task<SpaceHub>>>(space, lazy));
    }

    private async Task<SpaceHub> Create(string space)
    {
        var grain = grains.GetGrain<ISpaceGrain>(space);
        var geometry = SpaceGeometry.Create(await grain.GetConfig());
        var latest = await grain.GetLatestTick();
        var hub = new SpaceHub(space, geometry, latest, grains, options.Value, counters, _fanOut, loggers.CreateLogger<SpaceHub>())
        {
            Collective = _collective,
        };
        try
        {
            await hub.SubscribeAsync();
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
        EnsurePump();
        return hub;
    }

    private void EnsurePump()
    {
        lock (_pumpGate)
        {
            if (_pump is null && !_stopping.IsCancellationRequested)
            {
                idleMemory.Busy();
                _pump = Task.Run(PumpLoop);
            }
        }
    }

    private async Task PumpLoop()
    {
        using var timer = new PeriodicTimer(PumpPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                long now = Environment.TickCount64;
                foreach (var (space, lazy) in _hubs)
                {
                    if (!lazy.IsValueCreated) continue;
                    if (lazy.Value.IsFaulted || lazy.Value.IsCanceled) _hubs.TryRemove(new KeyValuePair<string, Lazy<Task<SpaceHub>>>(space, lazy));
                    if (!lazy.Value.IsCompletedSuccessfully) continue;
                    var hub = lazy.Value.Result;
                    try
                    {
                        hub.Pump(now);
                    }
                    catch (Exception e)
                    {
                        LogPumpFailed(space, e);
                    }
                    if (hub.TryRetire(now, options.Value.HubIdleRelease))
                    {
                        Forget(space, hub);
                        Interlocked.Increment(ref _released);
                        _ = hub.DisposeAsync().AsTask();
                    }
                }
                lock (_pumpGate)
                {
                    // Nothing left to drive: stop until the next hub is created.
                    if (_hubs.IsEmpty)
                    {
                        _pump = null;
                        idleMemory.WentIdle();
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        foreach (var hub in Active.ToArray()) await hub.DisposeAsync();
        _hubs.Clear();
        _fanOut.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Pumping the hub of space {Space} failed")]
    private partial void LogPumpFailed(string space, Exception exception);
}
