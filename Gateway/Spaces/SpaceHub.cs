using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Resonance.Gateway.Hosting;
using Resonance.Gateway.Protocol;
using Resonance.Gateway.Sessions;
using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;

namespace Resonance.Gateway.Spaces;

/// <summary>
/// One space as this gateway process sees it. It is the process's single observer of the space grain and of the cells
/// its clients look at, and fans what they publish out to its own sessions: every tick's <c>resonance_update</c>
/// (serialised and framed once, the same bytes written to every session), entanglement notices to the two clients
/// concerned, relayed events, and field frames composed from a local mirror of the cells' tiles at each client's own
/// viewport and rate. Its sessions' participant streams go to the cluster through its <see cref="ParticipantBatcher"/>.
/// It does no work of its own: the registry's one pump drives every hub (<see cref="Pump"/>), and a hub without sessions
/// is released. Subscriptions are renewed periodically and at once when ticks stop arriving (a silo restart loses them).
/// </summary>
public sealed partial class SpaceHub : ISpaceObserver, IFieldObserver, IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly GatewayOptions _options;
    private readonly ILogger _logger;
    private readonly SlotSet<ClientSession> _sessions = new();
    private readonly ConcurrentDictionary<ClientSession, byte> _viewers = new();
    private readonly ConcurrentDictionary<Guid, ClientSession> _byUser = new();
    private readonly ISpaceObserver _spaceRef;
    private readonly IFieldObserver _fieldRef;
    private readonly GatewayCounters _counters;
    private readonly FanOut _fanOut;
    private readonly Lock _lifetime = new();
    private bool _retired;
    private long _lastUsedMs = Environment.TickCount64;
    private long _lastRefreshMs = Environment.TickCount64;
    private long _lastIngestMs = Environment.TickCount64;
    private long _lastFramesMs;
    private int _refreshing;

    // Field mirror: the node sum over the whole grid, assembled from the tiles the cells publish.
    private readonly Lock _field = new();
    private double[]? _nodeSum;
    private double[]? _composed;
    private readonly Dictionary<(int Cx, int Cy), long> _tileVersions = [];
    private readonly Dictionary<(int Cx, int Cy), long> _cellHeldUntil = [];
    private readonly HashSet<(int Cx, int Cy)> _subscribedCells = [];
    private long _mirrorVersion;
    private (long Mirror, long Seq) _composedAt = (-1, -1);

    private readonly ConcurrentQueue<(SpaceEvent Event, Guid? Subject)> _relay = new();
    private SpaceTick _latest;
    private long _lastTickAt = Environment.TickCount64;

    public string Space { get; }
    public SpaceGeometry Geometry { get; }
    public ParticipantBatcher Batcher { get; }
    public SpaceTick Latest => Volatile.Read(ref _latest);
    public int SessionCount => _sessions.Count;

    /// <summary>The sessions as of now (a snapshot; for diagnostics and tests).</summary>
    public IReadOnlyList<ClientSession> Sessions => _sessions.Snapshot().ToList();
    public long TicksReceived => Interlocked.Read(ref _ticksReceived);
    private long _ticksReceived;
    public long Resubscriptions { get; private set; }

    public SpaceHub(string space, SpaceGeometry geometry, SpaceTick latest, IGrainFactory grains, GatewayOptions options,
        GatewayCounters counters, FanOut fanOut, ILogger logger)
    {
        _fanOut = fanOut;
        Space = space;
        Geometry = geometry;
        _latest = latest;
        _grains = grains;
        _options = options;
        _counters = counters;
        _logger = logger;
        Batcher = new ParticipantBatcher(space, grains, logger);
        _spaceRef = grains.CreateObjectReference<ISpaceObserver>(this);
        _fieldRef = grains.CreateObjectReference<IFieldObserver>(this);
    }

    public Task SubscribeAsync() => _grains.GetGrain<ISpaceGrain>(Space).Subscribe(_spaceRef);

    // ---------------------------------------------------------------------------------------------------------------
    // Sessions

    /// <summary>Adds a session unless this hub was released meanwhile (then the caller asks the registry again).</summary>
    public bool TryAdd(ClientSession session)
    {
        lock (_lifetime)
        {
            if (_retired) return false;
            _sessions.Add(session);
            _byUser[session.UserId] = session;
            _lastUsedMs = Environment.TickCount64;
            return true;
        }
    }

    public void Remove(ClientSession session)
    {
        lock (_lifetime)
        {
            _sessions.Remove(session);
            _viewers.TryRemove(session, out _);
            _byUser.TryRemove(new KeyValuePair<Guid, ClientSession>(session.UserId, session));
            _lastUsedMs = Environment.TickCount64;
        }
    }

    /// <summary>The sessions acting as <paramref name="subject"/> (an erased identity's, to be closed).</summary>
    public IEnumerable<ClientSession> SessionsOf(Guid subject) => _sessions.Snapshot().ToList().Where(s => s.Authenticated && s.Subject == subject);

    /// <summary>A REST request used this hub: it is kept a while even without sessions.</summary>
    public void MarkUsed() => Volatile.Write(ref _lastUsedMs, Environment.TickCount64);

    /// <summary>A session started or stopped viewing the field (the frame pump visits only viewers).</summary>
    public void FieldChanged(ClientSession session, bool viewing)
    {
        if (viewing) _viewers.TryAdd(session, 0);
        else _viewers.TryRemove(session, out _);
    }

    /// <summary>
    /// Marks the hub released when nobody used it for <paramref name="idleFor"/>: no session, no REST hold on a cell, no
    /// participant command still in flight. A released hub accepts no session.
    /// </summary>
    public bool TryRetire(long nowMs, TimeSpan idleFor)
    {
        lock (_lifetime)
        {
            if (_retired) return true;
            if (_sessions.Count > 0 || nowMs - Volatile.Read(ref _lastUsedMs) < idleFor.TotalMilliseconds) return false;
            if (Batcher.HasWork || Batcher.InFlight) return false;
            lock (_field)
                foreach (var (_, until) in _cellHeldUntil)
                    if (until > nowMs) return false;
            _retired = true;
            return true;
        }
    }

    /// <summary>
    /// Queues an event (carrying the sender's public id) for relay; the queue goes to the space grain in one call per
    /// frame period. <paramref name="subject"/> is the authenticated sender, whose preferences decide whether it is
    /// relayed; an anonymous sender (null) has none and is always relayed.
    /// </summary>
    public void Relay(SpaceEvent e, Guid? subject) => _relay.Enqueue((e, subject));

    private void FlushRelay()
    {
        if (_relay.IsEmpty) return;
        var batch = new List<(SpaceEvent Event, Guid? Subject)>();
        while (batch.Count < 1024 && _relay.TryDequeue(out var e)) batch.Add(e);
        // Chained, so a batch waiting for a preference never lets a later one overtake it.
        _relayTail = RelayCollectiveAsync(_relayTail, batch);
        _ = _relayTail.ContinueWith(
            t => LogRelayFailed(Space, batch.Count, t.Exception!.GetBaseException()),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private Task _relayTail = Task.CompletedTask;

    /// <summary>Relays the events of subjects in the collective; an opted-out subject's events are stored only.</summary>
    private async Task RelayCollectiveAsync(Task previous, List<(SpaceEvent Event, Guid? Subject)> batch)
    {
        try
        {
            await previous;
        }
        catch (Exception)
        {
            // Reported by its own continuation.
        }
        var relayed = new List<SpaceEvent>(batch.Count);
        foreach (var (e, subject) in batch)
            if (subject is not { } s || await Collective.IsCollectiveAsync(s)) relayed.Add(e);
        if (relayed.Count > 0) await _grains.GetGrain<ISpaceGrain>(Space).Relay([.. relayed]);
    }

    /// <summary>Set by the registry (one per process).</summary>
    public Events.CollectiveSubjects Collective { get; init; } = null!;

    // ---------------------------------------------------------------------------------------------------------------
    // Observer callbacks

    public Task OnTick(SpaceTick tick)
    {
        var previous = Latest;
        if (tick.Seq <= previous.Seq && tick.TimestampUtc <= previous.TimestampUtc) return Task.CompletedTask;
        Volatile.Write(ref _latest, tick);
        Interlocked.Increment(ref _ticksReceived);
        Volatile.Write(ref _lastTickAt, Environment.TickCount64);
        foreach (var notice in tick.Notices)
        {
            if (_byUser.TryGetValue(notice.To, out var session))
                session.SendReliable(OutboundMessage.Text(
                    ServerMessages.QuantumEntanglement(notice.Partner, notice.Strength, notice.State), "quantum_entanglement"));
        }
        if (tick.Events.Length > 0)
            lock (_pendingEvents) _pendingEvents.AddRange(tick.Events);
        // The broadcast runs off the observer's delivery path; ticks that arrive meanwhile coalesce into the newest, so a
        // slow turn never builds a queue of stale updates.
        if (Interlocked.Exchange(ref _broadcastWanted, 1) == 0 && Interlocked.CompareExchange(ref _broadcasting, 1, 0) == 0)
            _fanOut.Schedule(this);
        return Task.CompletedTask;
    }

    private readonly List<SpaceEvent> _pendingEvents = [];
    private int _broadcastWanted, _broadcasting;
    private long _broadcastSeq = -1;
    // The newest resonance_update, read by each session's writer when it writes (see LatestMessage for why not stored in each).
    private readonly LatestMessage _updates = new();

    /// <summary>Runs on a fan-out thread: broadcasts the newest tick (and the events queued with any tick since).</summary>
    internal void BroadcastLatest(FanOut fanOut)
    {
        while (true)
        {
            Volatile.Write(ref _broadcastWanted, 0);
            var tick = Latest;
            SpaceEvent[] events;
            lock (_pendingEvents)
            {
                events = [.. _pendingEvents];
                _pendingEvents.Clear();
            }
            var sessions = _sessions.Snapshot();
            int count = _sessions.Count;
            if (count > 0)
            {
                try
                {
                    if (tick.Seq != _broadcastSeq)
                    {
                        var update = OutboundMessage.Broadcast(ServerMessages.ResonanceUpdate(tick), "resonance_update");
                        _updates.Publish(update);
                        // Sessions that answer their pings first, then the degraded ones (whose turn it may be): a
                        // non-reader's send never stands between a reader and its update. A session that changes state
                        // between the passes at worst skips or repeats this one offer (latest wins).
                        fanOut.Offer(sessions, _updates, static (s, u) => s.OfferUpdate(u), first: static s => !s.Degraded);
                        _counters.Broadcast(update.Type, count, update.EnqueuedTimestamp);
                    }
                    foreach (var e in events)
                        Broadcast(fanOut, sessions, count, OutboundMessage.Broadcast(ServerMessages.ConsciousnessEvent(e), "consciousness_event"), static (s, m) => s.SendRelayed(m));
                }
                catch (Exception e)
                {
                    LogBroadcastFailed(Space, e);
                }
            }
            _broadcastSeq = tick.Seq;
            Volatile.Write(ref _broadcasting, 0);
            // A tick that came in after the flag was cleared and before the release found the broadcast busy: go again.
            if (Volatile.Read(ref _broadcastWanted) == 0 || Interlocked.CompareExchange(ref _broadcasting, 1, 0) != 0) return;
        }
    }

    /// <summary>
    /// Offers one framed message to every session. Each offer writes at once when the session's connection takes it (a
    /// non-blocking write), so a large space is split across the fan-out threads; a slow session only keeps the message
    /// waiting.
    /// </summary>
    private void Broadcast(FanOut fanOut, SlotView<ClientSession> sessions, int count, OutboundMessage message, Action<ClientSession, OutboundMessage> offer)
    {
        fanOut.Offer(sessions, message, offer);
        _counters.Broadcast(message.Type, count, message.EnqueuedTimestamp);
    }

    public Task OnTile(TileFrame frame)
    {
        lock (_field)
        {
            var key = (frame.Cx, frame.Cy);
            if (_tileVersions.TryGetValue(key, out long known) && frame.Version <= known && frame.Version != 0) return Task.CompletedTask;
            _tileVersions[key] = frame.Version;
            var grid = _nodeSum ??= new double[Geometry.Grid.SampleCount];
            int columns = Geometry.Grid.Columns;
            for (int r = 0; r < frame.Height; r++)
                frame.Values.AsSpan(r * frame.Width, frame.Width).CopyTo(grid.AsSpan((frame.J0 + r) * columns + frame.I0, frame.Width));
            _mirrorVersion++;
        }
        return Task.CompletedTask;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Field

    /// <summary>Cells whose samples a viewport's bilinear lattice reads.</summary>
    private IEnumerable<(int Cx, int Cy)> CellsOf(FieldSubscription s)
    {
        double cell = Geometry.CellSize, h = Geometry.Grid.Spacing;
        int cx0 = Math.Clamp((int)Math.Floor(s.X0 / cell), 0, Geometry.CellsX - 1);
        int cx1 = Math.Clamp((int)Math.Floor((s.X1 + h) / cell), 0, Geometry.CellsX - 1);
        int cy0 = Math.Clamp((int)Math.Floor(s.Y0 / cell), 0, Geometry.CellsY - 1);
        int cy1 = Math.Clamp((int)Math.Floor((s.Y1 + h) / cell), 0, Geometry.CellsY - 1);
        for (int cy = cy0; cy <= cy1; cy++)
            for (int cx = cx0; cx <= cx1; cx++)
                yield return (cx, cy);
    }

    /// <summary>
    /// Makes sure the cells under a viewport are observed and their tiles are in the mirror (a REST request holds them
    /// for <paramref name="hold"/>; a session's subscription holds them while it lasts).
    /// </summary>
    public async Task EnsureCellsAsync(FieldSubscription s, TimeSpan hold)
    {
        var cells = CellsOf(s).ToArray();
        List<(int Cx, int Cy)> fresh = [];
        lock (_field)
        {
            long until = Environment.TickCount64 + (long)hold.TotalMilliseconds;
            foreach (var c in cells)
            {
                if (!_cellHeldUntil.TryGetValue(c, out long u) || u < until) _cellHeldUntil[c] = until;
                if (_subscribedCells.Add(c)) fresh.Add(c);
            }
        }
        if (fresh.Count > 0)
            await Task.WhenAll(fresh.Select(c => _grains.GetGrain<ICellGrain>(CellKey.Format(Space, c.Cx, c.Cy)).SubscribeField(_fieldRef)));
        // A new subscription answers with the current tile, one-way; fetch directly whatever has not arrived yet.
        List<(int Cx, int Cy)> missing;
        lock (_field) missing = cells.Where(c => !_tileVersions.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            var tiles = await Task.WhenAll(missing.Select(c => _grains.GetGrain<ICellGrain>(CellKey.Format(Space, c.Cx, c.Cy)).GetTile()));
            foreach (var tile in tiles) await OnTile(tile);
        }
    }

    /// <summary>Samples the composed field for a viewport; returns the version it was taken at (mirror version, tick seq).</summary>
    public (long Mirror, long Seq, double[] Values, double Time, double G) Sample(FieldSubscription s)
    {
        var values = new double[s.Width * s.Height];
        lock (_field)
        {
            var at = ComposeLocked();
            FieldFrames.Sample(_composed, Geometry.Grid.Columns, Geometry.Grid.Rows, Geometry.Grid.Spacing, s, values);
            var tick = Latest;
            return (at.Mirror, at.Seq, values, tick.TimeSeconds, tick.GlobalResonance);
        }
    }

    public (long Mirror, long Seq) Version
    {
        get
        {
            lock (_field) return (_mirrorVersion, Latest.Seq);
        }
    }

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_composed))]
    private (long Mirror, long Seq) ComposeLocked()
    {
        var tick = Latest;
        var version = (_mirrorVersion, tick.Seq);
        _nodeSum ??= new double[Geometry.Grid.SampleCount];
        _composed ??= new double[_nodeSum.Length];
        if (_composedAt != version)
        {
            var region = new TileRegion(0, 0, Geometry.Grid.Columns, Geometry.Grid.Rows, Geometry.Grid.Spacing);
            FrameComposer.Compose(_nodeSum, _composed, region, Geometry.Composition(tick.GlobalResonance, tick.TimeSeconds));
            _composedAt = version;
        }
        return version;
    }

    /// <summary>Frames go out at most at the fastest subscription rate clients may ask for.</summary>
    private static readonly long FramePeriodMs = (long)(1000 / ClientMessageParser.MaxFrameRate);

    /// <summary>
    /// One turn of the registry's pump: the relay queue and the participant batch go to the cluster, viewers get their due
    /// field frames, and subscriptions are renewed when due. Everything that has to wait on the cluster runs on without
    /// holding up the pump.
    /// </summary>
    public void Pump(long nowMs)
    {
        FlushRelay();
        if (nowMs - _lastIngestMs >= _options.IngestFlushInterval.TotalMilliseconds)
        {
            _lastIngestMs = nowMs;
            Batcher.Flush();
        }
        if (!_viewers.IsEmpty && nowMs - _lastFramesMs >= FramePeriodMs - 2)
        {
            _lastFramesMs = nowMs;
            foreach (var (session, _) in _viewers)
            {
                var sub = session.Field;
                if (sub is null || nowMs < session.NextFrameDueMs) continue;
                try
                {
                    SendFrame(session, sub, nowMs);
                }
                catch (Exception e)
                {
                    LogFrameFailed(Space, e);
                }
            }
        }
        MaybeRefresh(nowMs);
        if (nowMs - _lastUpkeepMs >= 1000) Upkeep(nowMs);
    }

    private long _lastUpkeepMs = Environment.TickCount64;

    /// <summary>
    /// About once a second: sessions silent past the idle timeout are closed, and each session's pings are looked at
    /// (a ping due is sent; one unanswered past the grace degrades the session, past the timeout closes it).
    /// </summary>
    private void Upkeep(long nowMs)
    {
        _lastUpkeepMs = nowMs;
        var sessions = _sessions.Snapshot();
        var nowUtc = DateTime.UtcNow;
        foreach (var session in sessions)
        {
            session.CloseIfIdle(nowMs);
            session.CloseIfTokenExpired(nowUtc);
            session.CheckLiveness(nowMs);
        }
    }

    private void SendFrame(ClientSession session, FieldSubscription sub, long nowMs)
    {
        (long Mirror, long Seq) version;
        lock (_field) version = ComposeLocked();
        // Nothing new since this client's last frame: wait for the next change rather than resend.
        if (session.LastFrameVersion == version) return;
        if (!ReferenceEquals(session.Field, sub)) return;
        // A client that leaves its ping unanswered gets frames at its reduced rate too (each is encoded for it alone).
        long period = (long)(1000 / sub.Rate) * session.BroadcastGap;
        session.NextFrameDueMs = nowMs + period - 5;
        session.LastFrameVersion = version;
        uint seq = ++session.FrameSeq;
        // Frames carry the subscription's own counter, so each session's frame is encoded for it; the sampling buffer is
        // rented per frame (clients choose their sizes, so keeping one per size would grow without bound).
        int count = sub.Width * sub.Height;
        var rented = System.Buffers.ArrayPool<double>.Shared.Rent(count);
        byte[] payload;
        try
        {
            var values = rented.AsSpan(0, count);
            double t, g;
            lock (_field)
            {
                ComposeLocked();
                FieldFrames.Sample(_composed, Geometry.Grid.Columns, Geometry.Grid.Rows, Geometry.Grid.Spacing, sub, values);
                t = Latest.TimeSeconds;
                g = Latest.GlobalResonance;
            }
            payload = FieldFrames.Encode(sub, seq, values, t, g);
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(rented);
        }
        // The client changed its subscription while this frame was made: drop it (and leave the new pacing alone).
        if (!ReferenceEquals(session.Field, sub)) return;
        session.OfferFrame(sub.Format == FrameFormat.Json ? OutboundMessage.Text(payload, "field_frame") : OutboundMessage.Binary(payload, "field_frame"));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Subscription upkeep

    private void MaybeRefresh(long now)
    {
        bool silent = now - Volatile.Read(ref _lastTickAt) > _options.TickSilenceLimit.TotalMilliseconds;
        if (!silent && now - _lastRefreshMs < _options.SubscriptionRefresh.TotalMilliseconds) return;
        if (Interlocked.CompareExchange(ref _refreshing, 1, 0) != 0) return;
        _lastRefreshMs = now;
        if (silent)
        {
            Resubscriptions++;
            LogResubscribing(Space, (now - Volatile.Read(ref _lastTickAt)) / 1000.0);
            Volatile.Write(ref _lastTickAt, now); // one attempt per silence period
        }
        _ = RefreshThenRelease(silent);
    }

    private async Task RefreshThenRelease(bool afterSilence)
    {
        try
        {
            await RefreshAsync(afterSilence);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    private async Task RefreshAsync(bool afterSilence)
    {
        try
        {
            await SubscribeAsync();
            (int Cx, int Cy)[] keep, drop;
            long now = Environment.TickCount64;
            var viewed = new HashSet<(int, int)>();
            foreach (var (session, _) in _viewers)
                if (session.Field is { } sub)
                    foreach (var c in CellsOf(sub)) viewed.Add(c);
            lock (_field)
            {
                // Cells some session views are kept (and subscribed again if a race dropped them); the others go once
                // no REST request holds them.
                foreach (var c in viewed) _subscribedCells.Add(c);
                drop = _subscribedCells.Where(c => !viewed.Contains(c) && (!_cellHeldUntil.TryGetValue(c, out long u) || u < now)).ToArray();
                foreach (var c in drop)
                {
                    _subscribedCells.Remove(c);
                    _cellHeldUntil.Remove(c);
                    _tileVersions.Remove(c);
                }
                keep = [.. _subscribedCells];
                // After a silo restart the cells start over with new versions; accept whatever they send next.
                if (afterSilence) _tileVersions.Clear();
            }
            // Drops first, each re-checked: a request may have wanted the cell again meanwhile, and its subscription must
            // not be overtaken by a late unsubscription.
            foreach (var c in drop)
            {
                lock (_field)
                    if (_subscribedCells.Contains(c)) continue;
                await _grains.GetGrain<ICellGrain>(CellKey.Format(Space, c.Cx, c.Cy)).UnsubscribeField(_fieldRef);
            }
            await Task.WhenAll(keep.Select(c => _grains.GetGrain<ICellGrain>(CellKey.Format(Space, c.Cx, c.Cy)).SubscribeField(_fieldRef)));
        }
        catch (Exception e)
        {
            LogRefreshFailed(Space, e);
        }
    }

    /// <summary>Leaves the space and its cells (they may deactivate at once instead of waiting for the subscriptions to expire).</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_lifetime) _retired = true;
        (int Cx, int Cy)[] cells;
        lock (_field)
        {
            cells = [.. _subscribedCells];
            _subscribedCells.Clear();
        }
        try
        {
            await Task.WhenAll(cells.Select(c => _grains.GetGrain<ICellGrain>(CellKey.Format(Space, c.Cx, c.Cy)).UnsubscribeField(_fieldRef))
                .Append(_grains.GetGrain<ISpaceGrain>(Space).Unsubscribe(_spaceRef))).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
            // Unreachable or shutting down: the subscriptions expire on their own.
        }
        _grains.DeleteObjectReference<ISpaceObserver>(_spaceRef);
        _grains.DeleteObjectReference<IFieldObserver>(_fieldRef);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No tick from space {Space} for {Seconds:F1} s; renewing subscriptions")]
    private partial void LogResubscribing(string space, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing subscriptions of space {Space} failed")]
    private partial void LogRefreshFailed(string space, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relaying {Count} events to space {Space} failed (they are stored; only the live relay is lost)")]
    private partial void LogRelayFailed(string space, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Broadcasting to the sessions of space {Space} failed")]
    private partial void LogBroadcastFailed(string space, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending a field frame of space {Space} failed")]
    private partial void LogFrameFailed(string space, Exception exception);
}
