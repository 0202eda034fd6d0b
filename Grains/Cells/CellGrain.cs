using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;
using Resonance.Grains.Field;
using Resonance.Grains.Hosting;
using Resonance.Grains.Spaces;

namespace Resonance.Grains.Cells;

/// <summary>
/// One grid cell of a space. It holds the field tile of its samples as the float64 sum of the footprints of every node
/// that reaches it — its members and its neighbours' nodes, which the routers send it directly — and updates the tile
/// incrementally (subtract old footprint, add new). It publishes the changed tile to observers at most at the publish rate
/// (at once when the last publication is older than that), and reports exact partial sums and a summary of its composed
/// tile to the space every tick while it holds any contribution (once empty it tells the space and stops reporting). It
/// deactivates once it has neither contributions nor observers.
/// </summary>
public sealed partial class CellGrain(
    [PersistentState("cell", ResonanceStorage.Name)] IPersistentState<CellState> state,
    SpaceDirectory spaces,
    GrainReferences refs,
    IOptions<ResonanceFieldOptions> options,
    ILogger<CellGrain> logger) : Grain, ICellGrain
{
    /// <summary>Removed nodes are remembered this long so a late, older change cannot bring them back.</summary>
    private static readonly TimeSpan TombstoneLifetime = TimeSpan.FromMinutes(2);

    /// <summary>Every so many ticks the tile is rebuilt from its contributions, so rounding cannot creep.</summary>
    private const int RecomputeEveryTicks = 600;

    private readonly Dictionary<Guid, Contribution> _contributions = [];
    private readonly Dictionary<Guid, (long Version, DateTime RemovedUtc)> _tombstones = [];
    // No participant can be stale before this (see EvictStale).
    private DateTime _nextStaleLookUtc;
    private ObserverManager<IFieldObserver> _observers = null!;
    private SpaceGeometry _geometry = null!;
    private ISpaceGrain _space = null!;
    private string _spaceId = "";
    private int _cx, _cy;
    private TileRegion _region;
    private double[] _tile = [];
    private double[] _composed = [];
    private FieldPeak[] _peaks = [];
    private PlateauMember[] _edgeMembers = [];
    private readonly TilePeakFinder _peakFinder = new();
    private long _tileVersion;
    private long _publishedVersion;
    private DateTime _lastPublishUtc;
    private long _changesApplied;
    private long _batchesReceived;
    private long _ticks;
    private double _globalResonance;
    private bool _reported;
    private IDisposable? _publishTimer;
    private LockDetector _locks = null!;
    private readonly List<(EntangledPair Pair, bool Formed)> _lockChanges = [];

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        GrainMetrics.Deactivated("cell");
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        GrainMetrics.Activated("cell");
        (_spaceId, _cx, _cy) = CellKey.Parse(this.GetPrimaryKeyString());
        _geometry = await spaces.GetAsync(_spaceId);
        if (_cx >= _geometry.CellsX || _cy >= _geometry.CellsY)
            throw new ArgumentException($"Cell {this.GetPrimaryKeyString()} is outside its space ({_geometry.CellsX} x {_geometry.CellsY} cells).");
        _space = refs.Space(_spaceId);
        _region = _geometry.CellRegion(_cx, _cy);
        _tile = new double[_region.Count];
        _composed = new double[_region.Count];
        _peaks = new FieldPeak[Math.Max(1, options.Value.PeaksPerTick)];
        _edgeMembers = new PlateauMember[_region.Count];
        _observers = new ObserverManager<IFieldObserver>(options.Value.ObserverExpiry, logger);
        var entanglement = options.Value.Entanglement;
        _locks = new LockDetector(entanglement.Compile(), _geometry.EntanglementRadius, entanglement.MaxPairsPerCellTick, entanglement.MaxDistanceChecksPerCellTick,
            entanglement.MaxPartnersPerNode, _geometry.Config.TickHz);

        var now = DateTime.UtcNow;
        foreach (var (id, memory) in state.State.Memory)
        {
            _contributions[id] = new Contribution(memory, IsMember(memory), now);
            FootprintKernel.Accumulate(_tile, _region, _geometry.Kernel, new FieldSource(memory.X, memory.Y, memory.Strength, memory.Phase));
        }
        // Versions grow across activations (an observer that saw the previous activation's tiles accepts the new ones).
        _tileVersion = DateTime.UtcNow.Ticks;

        var period = TimeSpan.FromSeconds(1 / _geometry.Config.TickHz);
        this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions
        {
            // Spread the cells' ticks over the period so the space is not hit by all of them at once.
            DueTime = TimeSpan.FromTicks(Random.Shared.NextInt64(period.Ticks)),
            Period = period,
            KeepAlive = true,
        });
    }

    public Task ApplyChanges(ReadOnlyMemory<NodeChange> changes) =>
        // The batch is read before anything is awaited: its memory goes back to the caller when the call completes.
        Apply(changes.Span) ? state.WriteStateAsync() : Task.CompletedTask;

    /// <summary>Applies the changes to the tile and the members; true when stored memory nodes changed.</summary>
    private bool Apply(ReadOnlySpan<NodeChange> changes)
    {
        _batchesReceived++;
        var now = DateTime.UtcNow;
        bool tileChanged = false, memoryChanged = false;
        int applied = 0;
        foreach (var change in changes)
        {
            if (_tombstones.TryGetValue(change.NodeId, out var tomb) && tomb.Version >= change.Version) continue;
            bool known = _contributions.TryGetValue(change.NodeId, out var current);
            if (known && current.State.Version > change.Version) continue;

            switch (change.Op)
            {
                case NodeChangeOp.Upsert:
                    if (!IsValid(change))
                    {
                        LogInvalidChange(this.GetPrimaryKeyString(), change.NodeId);
                        continue;
                    }
                    if (known) FootprintKernel.Accumulate(_tile, _region, _geometry.Kernel, current.Source, -1);
                    var next = new Contribution(change, IsMember(change), now);
                    FootprintKernel.Accumulate(_tile, _region, _geometry.Kernel, next.Source);
                    _contributions[change.NodeId] = next;
                    _tombstones.Remove(change.NodeId);
                    tileChanged = true;
                    // A memory node that re-announces what is stored (it does on activation) costs no write.
                    if (change.Kind == NodeKind.Memory && !(state.State.Memory.TryGetValue(change.NodeId, out var stored) && stored == change))
                    {
                        state.State.Memory[change.NodeId] = change;
                        memoryChanged = true;
                    }
                    break;
                case NodeChangeOp.Remove:
                    if (known)
                    {
                        FootprintKernel.Accumulate(_tile, _region, _geometry.Kernel, current.Source, -1);
                        _contributions.Remove(change.NodeId);
                        tileChanged = true;
                    }
                    _tombstones[change.NodeId] = (change.Version, now);
                    memoryChanged |= state.State.Memory.Remove(change.NodeId);
                    break;
                case NodeChangeOp.Touch:
                    if (!known) continue;
                    current.SeenUtc = now;
                    _contributions[change.NodeId] = current;
                    break;
            }
            _changesApplied++;
            applied++;
        }
        if (applied > 0) GrainMetrics.FieldUpdates.Add(applied);

        if (tileChanged)
        {
            _tileVersion++;
            if (_observers.Count > 0 && now - _lastPublishUtc >= PublishInterval) Publish(now);
        }
        return memoryChanged;
    }

    public Task<TileFrame> GetTile() => Task.FromResult(Frame(DateTime.UtcNow));

    public Task<CellStatus> GetStatus()
    {
        var members = new List<Guid>();
        foreach (var (id, c) in _contributions)
            if (c.IsMember) members.Add(id);
        return Task.FromResult(new CellStatus
        {
            Members = members.Count,
            Contributors = _contributions.Count,
            ChangesApplied = _changesApplied,
            BatchesReceived = _batchesReceived,
            TileVersion = _tileVersion,
            Observers = _observers.Count,
            MemberIds = [.. members],
        });
    }

    public Task<NodeChange[]> GetMembers()
    {
        var members = new List<NodeChange>();
        foreach (var (_, c) in _contributions)
            if (c.IsMember) members.Add(c.State);
        return Task.FromResult(members.ToArray());
    }

    public Task SubscribeField(IFieldObserver observer)
    {
        bool fresh = !_observers.Observers.ContainsKey(observer);
        _observers.Subscribe(observer, observer);
        _publishTimer ??= this.RegisterGrainTimer(PublishIfChanged, new GrainTimerCreationOptions
        {
            DueTime = PublishInterval,
            Period = PublishInterval,
            KeepAlive = true,
        });
        // A new observer gets the current tile at once, so it never waits for a change to see anything.
        if (fresh) observer.OnTile(Frame(DateTime.UtcNow));
        return Task.CompletedTask;
    }

    public Task UnsubscribeField(IFieldObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task Ping() => Task.CompletedTask;

    private TimeSpan PublishInterval => TimeSpan.FromSeconds(1 / Math.Clamp(options.Value.PublishHz, 1, 1000));

    private Task PublishIfChanged()
    {
        if (_observers.Count == 0)
        {
            _publishTimer?.Dispose();
            _publishTimer = null;
        }
        else if (_tileVersion != _publishedVersion)
        {
            Publish(DateTime.UtcNow);
        }
        return Task.CompletedTask;
    }

    private void Publish(DateTime now)
    {
        var frame = Frame(now);
        _publishedVersion = _tileVersion;
        _lastPublishUtc = now;
        _observers.Notify(o => o.OnTile(frame));
    }

    private TileFrame Frame(DateTime now) =>
        new(_spaceId, _cx, _cy, _tileVersion, _region.I0, _region.J0, _region.Width, _region.Height, [.. _tile], now);

    private async Task Tick()
    {
        var now = DateTime.UtcNow;
        _ticks++;
        EvictStale(now);
        _observers.ClearExpired();
        if (_contributions.Count == 0)
        {
            // Nothing to report: the space composes an empty cell's background itself, and a space whose cells all went
            // quiet can go idle. Told once; a cell kept only by field observers then ticks without calling the space.
            if (_reported)
            {
                _reported = false;
                await _space.CellEmptied(_cx, _cy);
            }
            if (_observers.Count == 0) DeactivateOnIdle();
            return;
        }
        if (_ticks % RecomputeEveryTicks == 0) Recompute();
        DetectLocks(now);

        FrameComposer.Compose(_tile, _composed, _region, _geometry.Composition(_globalResonance, _geometry.TimeAt(now)));
        var stats = FieldStatistics.Compute(_composed);
        // Peaks are those of the node field (the tile), which the clamp and the background do not flatten or move.
        var found = _peakFinder.Find(_tile, _region, _geometry.Grid.Columns, _geometry.Grid.Rows, _peaks, _edgeMembers);
        var peaks = new PeakCandidate[found.Peaks];
        for (int k = 0; k < peaks.Length; k++)
        {
            var p = _peaks[k];
            peaks[k] = new PeakCandidate(p.I, p.J, _composed[_region.Index(p.I, p.J)], p.Value);
        }
        var edgePeaks = found.EdgeMembers == 0 ? [] : new EdgePeakSample[found.EdgeMembers];
        for (int k = 0; k < edgePeaks.Length; k++)
        {
            var m = _edgeMembers[k];
            edgePeaks[k] = new EdgePeakSample(m.Piece, m.I, m.J, _composed[_region.Index(m.I, m.J)], m.Value);
        }
        var border = new double[TileBorder.Length(_region)];
        TileBorder.Extract(_tile, _region, border);

        int participants = 0, memories = 0;
        double sumResonance = 0;
        var phases = default(PhaseSum);
        foreach (var c in _contributions.Values)
        {
            if (!c.IsMember) continue;
            if (c.State.Kind == NodeKind.Memory)
            {
                memories++;
                continue;
            }
            participants++;
            sumResonance += c.State.Resonance;
            phases += PhaseSum.Of(c.State.Strength, c.State.Phase);
        }

        _globalResonance = await _space.ReportCell(new CellReport
        {
            Cx = _cx,
            Cy = _cy,
            HoldsMemory = state.State.Memory.Count > 0,
            Participants = participants,
            SumResonance = sumResonance,
            PhaseWeight = phases.Weight,
            PhaseCos = phases.Cos,
            PhaseSin = phases.Sin,
            MemoryNodes = memories,
            SampleCount = stats.Count,
            Min = stats.Min,
            Max = stats.Max,
            Sum = stats.Sum,
            SumSquares = stats.SumSquares,
            Peaks = peaks,
            EdgePeaks = edgePeaks,
            NodeBorder = border,
            TileVersion = _tileVersion,
            Contributors = _contributions.Count,
        });
        _reported = true;
    }

    /// <summary>
    /// Samples the held participants' phases and tells the node grains of pairs that formed or broke. Rare events, so
    /// one call each, not awaited: the tick (and the cell's other calls) never wait for node grains or the space.
    /// </summary>
    private void DetectLocks(DateTime now)
    {
        _lockChanges.Clear();
        _locks.Tick(_geometry.TickAt(now), _contributions, _lockChanges);
        if (_lockChanges.Count == 0) return;
        GrainMetrics.LockChanges.Add(_lockChanges.Count);
        long tick = _geometry.TickAt(now);
        foreach (var (pair, formed) in _lockChanges) _ = SendLockChange(pair, formed, tick);
    }

    /// <summary>Tells the pair's first node; a forming lock it refused is marked so its break is not sent (on this activation's scheduler).</summary>
    private async Task SendLockChange(EntangledPair pair, bool formed, long tick)
    {
        try
        {
            bool held = await refs.Node(pair.Node1).LockChanged(pair, formed);
            if (formed && !held) _locks.Refused(pair.Node1, pair.Node2, tick);
        }
        catch (Exception e)
        {
            LogLockChangeFailed(this.GetPrimaryKeyString(), pair.Node1, pair.Node2, e);
        }
    }

    /// <summary>Drops participants whose stream stopped (their silo may be gone, so nobody else would).</summary>
    private void EvictStale(DateTime now)
    {
        var staleAfter = options.Value.ParticipantStaleAfter;
        List<Guid>? stale = null;
        // Sightings only move forward (a change or touch stamps now), so nobody goes stale before the oldest sighting of
        // the last look does: a dense cell is walked when someone may be stale, not every tick.
        if (now >= _nextStaleLookUtc)
        {
            var staleBefore = now - staleAfter;
            var oldest = now;
            foreach (var (id, c) in _contributions)
            {
                if (c.State.Kind != NodeKind.Participant) continue;
                if (c.SeenUtc < staleBefore) (stale ??= []).Add(id);
                else if (c.SeenUtc < oldest) oldest = c.SeenUtc;
            }
            _nextStaleLookUtc = oldest + staleAfter;
        }
        if (stale is not null)
        {
            foreach (var id in stale)
            {
                FootprintKernel.Accumulate(_tile, _region, _geometry.Kernel, _contributions[id].Source, -1);
                _contributions.Remove(id);
            }
            _tileVersion++;
            LogEvicted(this.GetPrimaryKeyString(), stale.Count);
            if (_observers.Count > 0) Publish(now);
        }

        if (_tombstones.Count > 0)
        {
            var expired = now - TombstoneLifetime;
            foreach (var (id, tomb) in _tombstones)
                if (tomb.RemovedUtc < expired) _tombstones.Remove(id);
        }
    }

    private void Recompute()
    {
        var sources = new FieldSource[_contributions.Count];
        int k = 0;
        foreach (var c in _contributions.Values) sources[k++] = c.Source;
        FieldComputer.Recompute(_tile, _region, _geometry.Kernel, sources, 1);
    }

    private bool IsMember(in NodeChange change) => _geometry.CellOf(change.X, change.Y) == (_cx, _cy);

    /// <summary>Node grains validate; this guards the tile against anything else calling with garbage.</summary>
    private bool IsValid(in NodeChange c) =>
        double.IsFinite(c.X) && double.IsFinite(c.Y) && double.IsFinite(c.Strength) && double.IsFinite(c.Phase)
        && double.IsFinite(c.Resonance) && _geometry.Contains(c.X, c.Y)
        && _region.DistanceSquaredTo(c.X, c.Y) <= _geometry.Kernel.Cutoff * _geometry.Kernel.Cutoff;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cell {Cell} ignored an invalid change for node {NodeId}")]
    private partial void LogInvalidChange(string cell, Guid nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cell {Cell} could not tell node {Node1} that its lock with {Node2} changed")]
    private partial void LogLockChangeFailed(string cell, Guid node1, Guid node2, Exception? exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cell {Cell} evicted {Count} stale participants")]
    private partial void LogEvicted(string cell, int count);
}
