using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;
using Resonance.Grains.Forecasting;
using Resonance.Grains.Hosting;

namespace Resonance.Grains.Spaces;

/// <summary>
/// A space: its configuration (fixed once read), the latest report of each active cell, and a tick timer that turns
/// them into the global measures and publishes them to observers. Cells that stop reporting are pinged back to life.
/// A space that nobody uses — no cell reporting a participant or a memory node, no observer, nothing pending, and no call
/// for <see cref="ResonanceFieldOptions.SpaceIdleGrace"/> — stops ticking and deactivates; its configuration (and clock
/// epoch) is persisted, so it comes back the same on next use.
/// </summary>
public sealed partial class SpaceGrain(
    [PersistentState("space", ResonanceStorage.Name)] IPersistentState<SpaceState> state,
    IOptions<ResonanceFieldOptions> options,
    IOptions<ForecastOptions> forecastOptions,
    ILogger<SpaceGrain> logger) : Grain, ISpaceGrain
{
    /// <summary>
    /// Per-second measures for the forecaster, kept here because the space already computes them every tick while it is
    /// in use (no extra calls, no extra timer) and stops when it is idle. In memory only: lost when the space deactivates.
    /// </summary>
    private readonly MeasureHistory _history = new(forecastOptions.Value.HistorySeconds);
    private readonly Dictionary<(int Cx, int Cy), CellReport> _reports = [];
    /// <summary>Per cell: the last report or ping (pings go out once per silent period).</summary>
    private readonly Dictionary<(int Cx, int Cy), DateTime> _reportedAt = [];
    /// <summary>Per cell: the last report actually received.</summary>
    private readonly Dictionary<(int Cx, int Cy), DateTime> _receivedAt = [];
    private ObserverManager<ISpaceObserver> _observers = null!;
    private SpaceGeometry _geometry = null!;
    private SpaceAggregator _aggregator = null!;
    private SpaceTick _latest = new();
    private long _seq;
    private readonly PairBook _pairs = new();
    private readonly List<EntanglementNotice> _notices = [];
    private readonly List<SpaceEvent> _events = [];
    private long _eventsDropped;
    /// <summary>Last time the space was in use: a call that needs it, or a tick that found it busy.</summary>
    private DateTime _lastUsedUtc;

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
        // A configuration stored before the saturation option existed reads back without it: it was clamp.
        if (state.State.Config.Saturation is null) state.State.Config = state.State.Config with { Saturation = "clamp" };
        Apply(state.State.Config);
        var now = DateTime.UtcNow;
        _lastUsedUtc = now;
        _latest = new SpaceTick { Space = id, TimestampUtc = now };
        // After a restart nobody else would wake the cells that hold memory nodes; their reports make the field whole.
        // They are watched like silent cells, so they are pinged again until they report.
        foreach (long key in state.State.MemoryCells)
        {
            var cell = ((int)(key >> 32), (int)key);
            _reportedAt[cell] = now;
            PingCell(cell);
        }
    }

    public async Task<SpaceConfig> GetConfig()
    {
        Used();
        if (!state.State.Sealed)
        {
            state.State.Sealed = true;
            await state.WriteStateAsync();
        }
        return state.State.Config!;
    }

    public async Task<SpaceConfig> Configure(SpaceConfig config)
    {
        Used();
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
        var now = DateTime.UtcNow;
        _reports[key] = report;
        _reportedAt[key] = now;
        _receivedAt[key] = now;
        if (IsLive(report)) _lastUsedUtc = now;
        long cellKey = ((long)report.Cx << 32) | (uint)report.Cy;
        bool changed = report.HoldsMemory ? state.State.MemoryCells.Add(cellKey) : state.State.MemoryCells.Remove(cellKey);
        if (changed) await state.WriteStateAsync();
        return _latest.GlobalResonance;
    }

    public async Task CellEmptied(int cx, int cy)
    {
        _reports.Remove((cx, cy));
        _reportedAt.Remove((cx, cy));
        _receivedAt.Remove((cx, cy));
        if (state.State.MemoryCells.Remove(((long)cx << 32) | (uint)cy)) await state.WriteStateAsync();
    }

    public Task<SpaceTick> GetLatestTick()
    {
        Used();
        return Task.FromResult(_latest);
    }

    public Task<MeasureSample[]> GetMeasureHistory(int maxSamples) => Task.FromResult(_history.Snapshot(maxSamples));

    public Task SeedMeasureHistoryForTesting(MeasureSample[] samples)
    {
        if (!forecastOptions.Value.AllowHistorySeeding)
            throw new InvalidOperationException("Seeding measure history is for tests only (Resonance:Forecast:AllowHistorySeeding).");
        Used();
        _history.Append(samples);
        return Task.CompletedTask;
    }

    public Task Relay(SpaceEvent[] events)
    {
        Used();
        foreach (var e in events)
        {
            if (_events.Count < options.Value.RelayEventsPerTick) _events.Add(e);
            else _eventsDropped++;
        }
        return Task.CompletedTask;
    }

    public Task PairChanged(EntangledPair pair, bool formed)
    {
        Used();
        _pairs.Apply(pair, formed, _notices);
        return Task.CompletedTask;
    }

    public Task Notify(EntanglementNotice notice)
    {
        Used();
        _notices.Add(notice);
        return Task.CompletedTask;
    }

    public Task Subscribe(ISpaceObserver observer)
    {
        // No Used(): an observer keeps the space busy for as long as it is subscribed (renewals included).
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
        // A grain timer's next turn is counted from the end of the last one, so a plain period drifts below the tick rate
        // under load. The timer runs four times per period instead and a tick happens whenever the clock enters a new
        // slot of the tick grid: exactly TickHz ticks per second on average.
        _tickTimer = this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = TimeSpan.FromSeconds(1 / config.TickHz / 4),
        });
    }

    private IDisposable? _tickTimer;
    private long _tickSlot = long.MinValue;

    private Task Tick()
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        long slot = (long)(started / (double)System.Diagnostics.Stopwatch.Frequency * _geometry.Config.TickHz);
        if (slot == _tickSlot) return Task.CompletedTask;
        _tickSlot = slot;
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
        if (Busy())
        {
            _lastUsedUtc = now;
            _history.AddTick(now, _latest.GlobalResonance, _latest.QuantumCoherence, _latest.ActiveNodes);
        }
        else if (now - _lastUsedUtc >= options.Value.SpaceIdleGrace) GoIdle();
    }

    private void Used() => _lastUsedUtc = DateTime.UtcNow;

    /// <summary>A report that holds anything; cells with nothing to report send none (or <c>CellEmptied</c>).</summary>
    private static bool IsLive(CellReport r) => r.Contributors > 0 || r.HoldsMemory || r.Participants > 0 || r.MemoryNodes > 0;

    /// <summary>Something keeps the space in use: an observer, a cell with nodes, memory cells to revive, or work for the next tick.</summary>
    private bool Busy()
    {
        if (_observers.Count > 0 || state.State.MemoryCells.Count > 0 || _notices.Count > 0 || _events.Count > 0) return true;
        foreach (var r in _reports.Values)
            if (IsLive(r)) return true;
        return false;
    }

    /// <summary>Nobody uses the space: stop ticking and let the activation go (its state is already persisted).</summary>
    private void GoIdle()
    {
        _tickTimer?.Dispose();
        _tickTimer = null;
        LogIdle(this.GetPrimaryKeyString());
        DeactivateOnIdle();
    }

    /// <summary>
    /// A cell whose silo died stops reporting; calling it reactivates it elsewhere (it rebuilds from storage). A cell that
    /// stays silent long after that (it came back empty, or went away without <c>CellEmptied</c>) is forgotten, unless it
    /// holds memory nodes: those are pinged until they report again.
    /// </summary>
    private void PingSilentCells(DateTime now)
    {
        var period = TimeSpan.FromSeconds(1 / _geometry.Config.TickHz);
        var silentAfter = 5 * period;
        var forgetAfter = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, 50 * period.Ticks));
        List<(int, int)>? forget = null;
        foreach (var (key, at) in _reportedAt)
        {
            if (now - at < silentAfter) continue;
            if (now - _receivedAt.GetValueOrDefault(key, at) >= forgetAfter
                && !state.State.MemoryCells.Contains(((long)key.Cx << 32) | (uint)key.Cy))
            {
                (forget ??= []).Add(key);
                continue;
            }
            _reportedAt[key] = now; // one ping per silent period
            PingCell(key);
        }
        if (forget is null) return;
        foreach (var key in forget)
        {
            _reports.Remove(key);
            _reportedAt.Remove(key);
            _receivedAt.Remove(key);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Space {Space} is idle: it stops ticking and deactivates")]
    private partial void LogIdle(string space);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pinging silent cell ({Cx}, {Cy}) failed")]
    private partial void LogPingFailed(int cx, int cy, Exception? exception);
}
