using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;
using Resonance.Grains.Hosting;

namespace Resonance.Grains.Spaces;

/// <summary>
/// A space: its configuration (fixed once read), the latest report of each active cell, and a tick timer that turns
/// them into the global measures and publishes them to observers. Cells that stop reporting are pinged back to life.
/// </summary>
public sealed partial class SpaceGrain(
    [PersistentState("space", ResonanceStorage.Name)] IPersistentState<SpaceState> state,
    IOptions<ResonanceFieldOptions> options,
    ILogger<SpaceGrain> logger) : Grain, ISpaceGrain
{
    private readonly Dictionary<(int Cx, int Cy), CellReport> _reports = [];
    private readonly Dictionary<(int Cx, int Cy), DateTime> _reportedAt = [];
    private ObserverManager<ISpaceObserver> _observers = null!;
    private SpaceGeometry _geometry = null!;
    private SpaceAggregator _aggregator = null!;
    private SpaceTick _latest = new();
    private long _seq;
    private readonly PairBook _pairs = new();
    private readonly List<EntanglementNotice> _notices = [];
    private readonly List<SpaceEvent> _events = [];
    private long _eventsDropped;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        GrainMetrics.Deactivated("space");
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        GrainMetrics.Activated("space");
        var id = this.GetPrimaryKeyString();
        if (!SpaceId.IsValid(id)) throw new ArgumentException($"Space id '{id}' is invalid (expected [a-z0-9-]{{1,64}}).");
        _observers = new ObserverManager<ISpaceObserver>(options.Value.ObserverExpiry, logger);
        if (state.State.Config is null)
        {
            state.State.Config = options.Value.DefaultSpace with { EpochUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
            await state.WriteStateAsync(cancellationToken);
        }
        Apply(state.State.Config);
        _latest = new SpaceTick { Space = id, TimestampUtc = DateTime.UtcNow };
        // After a restart nobody else would wake the cells that hold memory nodes; their reports make the field whole.
        foreach (long key in state.State.MemoryCells)
            PingCell(((int)(key >> 32), (int)key));
    }

    public async Task<SpaceConfig> GetConfig()
    {
        if (!state.State.Sealed)
        {
            state.State.Sealed = true;
            await state.WriteStateAsync();
        }
        return state.State.Config!;
    }

    public async Task<SpaceConfig> Configure(SpaceConfig config)
    {
        var current = state.State.Config!;
        var next = config with { EpochUnixMs = current.EpochUnixMs };
        SpaceGeometry.Create(next);
        if (next == current) return current;
        if (state.State.Sealed)
            throw new InvalidOperationException($"Space '{this.GetPrimaryKeyString()}' is in use; its configuration can no longer change.");
        state.State.Config = next;
        await state.WriteStateAsync();
        Apply(next);
        return next;
    }

    public async Task<double> ReportCell(CellReport report)
    {
        var key = (report.Cx, report.Cy);
        _reports[key] = report;
        _reportedAt[key] = DateTime.UtcNow;
        long cellKey = ((long)report.Cx << 32) | (uint)report.Cy;
        bool changed = report.HoldsMemory ? state.State.MemoryCells.Add(cellKey) : state.State.MemoryCells.Remove(cellKey);
        if (changed) await state.WriteStateAsync();
        return _latest.GlobalResonance;
    }

    public async Task CellEmptied(int cx, int cy)
    {
        _reports.Remove((cx, cy));
        _reportedAt.Remove((cx, cy));
        if (state.State.MemoryCells.Remove(((long)cx << 32) | (uint)cy)) await state.WriteStateAsync();
    }

    public Task<SpaceTick> GetLatestTick() => Task.FromResult(_latest);

    public Task Relay(SpaceEvent[] events)
    {
        foreach (var e in events)
        {
            if (_events.Count < options.Value.RelayEventsPerTick) _events.Add(e);
            else _eventsDropped++;
        }
        return Task.CompletedTask;
    }

    public Task PairChanged(EntangledPair pair, bool formed)
    {
        _pairs.Apply(pair, formed, _notices);
        return Task.CompletedTask;
    }

    public Task Notify(EntanglementNotice notice)
    {
        _notices.Add(notice);
        return Task.CompletedTask;
    }

    public Task Subscribe(ISpaceObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(ISpaceObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private void Apply(SpaceConfig config)
    {
        _geometry = SpaceGeometry.Create(config);
        _aggregator = new SpaceAggregator(_geometry, options.Value.PeaksPerTick);
        _tickTimer?.Dispose();
        _tickTimer = this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = TimeSpan.FromSeconds(1 / config.TickHz),
        });
    }

    private IDisposable? _tickTimer;

    private Task Tick()
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            TickOnce();
        }
        finally
        {
            GrainMetrics.TickDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        return Task.CompletedTask;
    }

    private void TickOnce()
    {
        var now = DateTime.UtcNow;
        _latest = _aggregator.Aggregate(this.GetPrimaryKeyString(), ++_seq, now, _reports, _latest.GlobalResonance) with
        {
            Pairs = StrongestPairs(),
            PairCount = _pairs.Count,
            Notices = [.. _notices],
            Events = [.. _events],
        };
        _notices.Clear();
        _events.Clear();
        _observers.ClearExpired();
        if (_observers.Count > 0)
        {
            var tick = _latest;
            _observers.Notify(o => o.OnTick(tick));
        }
        PingSilentCells(now);
    }

    /// <summary>A cell whose silo died stops reporting; calling it reactivates it elsewhere (it rebuilds from storage).</summary>
    private void PingSilentCells(DateTime now)
    {
        var silentAfter = TimeSpan.FromSeconds(5 / _geometry.Config.TickHz);
        foreach (var (key, at) in _reportedAt)
        {
            if (now - at < silentAfter) continue;
            _reportedAt[key] = now; // one ping per silent period
            PingCell(key);
        }
    }

    /// <summary>A dense space can hold thousands of pairs; every tick lists only the strongest (all are counted).</summary>
    private EntangledPair[] StrongestPairs()
    {
        var all = _pairs.ToArray();
        int limit = Math.Max(0, options.Value.PairsPerTick);
        if (all.Length <= limit) return all;
        Array.Sort(all, (a, b) => b.Strength.CompareTo(a.Strength));
        return all[..limit];
    }

    private void PingCell((int Cx, int Cy) key)
    {
        var cell = GrainFactory.GetGrain<ICellGrain>(CellKey.Format(this.GetPrimaryKeyString(), key.Cx, key.Cy));
        _ = cell.Ping().ContinueWith(
            t => LogPingFailed(key.Cx, key.Cy, t.Exception?.GetBaseException()),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pinging silent cell ({Cx}, {Cy}) failed")]
    private partial void LogPingFailed(int cx, int cy, Exception? exception);
}
