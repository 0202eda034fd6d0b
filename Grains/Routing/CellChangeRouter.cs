using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resonance.Grains.Hosting;

namespace Resonance.Grains.Routing;

/// <summary>
/// The silo's one path from node grains to cell grains. Node grains enqueue changes and return at once. Each cell has at
/// most one <see cref="ICellGrain.ApplyChanges"/> call in flight, and starts calls at most once per
/// <see cref="ResonanceFieldOptions.CellCallInterval"/>: changes for a cell that is busy, or called a moment ago,
/// accumulate (keeping only each node's latest change — a participant's latest state is all that matters) and go out in
/// one call. A quiet cell's change goes out at once; a busy cell's batch grows with its load, so the silo's call count
/// follows the busy cells, not the updates; a slow cell never holds up the others.
/// </summary>
public sealed partial class CellChangeRouter(GrainReferences grains, IOptions<ResonanceFieldOptions> options, ILogger<CellChangeRouter> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly long _interval = (long)(options.Value.CellCallInterval.TotalSeconds * Stopwatch.Frequency);
    // All guarded by _gate.
    private readonly Dictionary<string, CellQueue> _cells = new(StringComparer.Ordinal);
    // Emptied change maps of cells that went quiet, reused for the next busy cell (a sparse space's cells come and go).
    private readonly Stack<Dictionary<Guid, NodeChange>> _spare = new();
    private const int MaxSpare = 256;
    // Cells kept (with their references) while idle; beyond this the idle ones are dropped.
    private const int MaxCachedCells = 1 << 14;
    private List<CellQueue> _ready = [];
    private List<CellQueue> _draining = [];
    // Cells with changes that wait out their interval, in the order they became due (each waits one interval at most).
    private readonly Queue<CellQueue> _deferred = new();
    private bool _signalled;
    // Cells holding an emptied change map (see CellQueue.EmptySince), and when the loop last looked for stale ones.
    private int _heldEmpty;
    private long _lastSweep;
    private static readonly long KeepEmptyFor = Stopwatch.Frequency;
    private Task? _loop;
    private long _changesSent;
    private long _callsSent;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Changes delivered to cells so far (after coalescing).</summary>
    public long ChangesSent => Interlocked.Read(ref _changesSent);

    /// <summary>Cell calls made so far.</summary>
    public long CallsSent => Interlocked.Read(ref _callsSent);

    /// <summary>Cells holding an emptied change map for their next changes (each is released after a quiet second).</summary>
    public int HeldChangeMaps
    {
        get
        {
            lock (_gate) return _heldEmpty;
        }
    }

    private sealed class CellQueue(string key, ICellGrain target)
    {
        public readonly string Key = key;
        public readonly ICellGrain Target = target;
        /// <summary>Queued changes; null while the cell has none.</summary>
        public Dictionary<Guid, NodeChange>? Changes;
        public bool InFlight;
        /// <summary>In <c>_ready</c> or <c>_deferred</c>.</summary>
        public bool Scheduled;
        /// <summary>Stopwatch timestamp before which the next call does not start.</summary>
        public long NotBefore;
        /// <summary>
        /// When <see cref="Changes"/> was left empty by a call (0 while it holds changes or is null). A busy cell keeps
        /// its emptied map for the next tick's changes instead of growing a new one each time (at 5,000 clients the
        /// maps were the largest share of what the silo allocated); one empty for <see cref="KeepEmptyFor"/> is released.
        /// </summary>
        public long EmptySince;
        /// <summary>
        /// The memory of the cell's calls, reused from one call to the next (the cell reads a batch during its call and
        /// keeps none of it; at 5,000 clients in one space a fresh array per call was a fifth of what the silo allocated).
        /// Null while a call holds it, and after a failed call, whose message may still be on its way.
        /// </summary>
        public NodeChange[]? Buffer;
    }

    public void Enqueue(string cellKey, in NodeChange change)
    {
        lock (_gate)
        {
            if (!_cells.TryGetValue(cellKey, out var cell))
            {
                if (_cells.Count >= MaxCachedCells) DropIdleLocked();
                _cells[cellKey] = cell = new CellQueue(cellKey, grains.Cell(cellKey));
            }
            var changes = cell.Changes ??= _spare.Count > 0 ? _spare.Pop() : new Dictionary<Guid, NodeChange>();
            if (cell.EmptySince != 0)
            {
                cell.EmptySince = 0;
                _heldEmpty--;
            }
            Merge(changes, change);
            if (!cell.InFlight && !cell.Scheduled) ScheduleLocked(cell, Stopwatch.GetTimestamp());
            _loop ??= Task.Run(FlushLoop);
        }
    }

    private void ScheduleLocked(CellQueue cell, long now)
    {
        cell.Scheduled = true;
        if (now >= cell.NotBefore)
        {
            _ready.Add(cell);
            Wake();
        }
        else
        {
            // The loop sleeps until the first deferred cell is due; only a cell that is the first needs to wake it.
            _deferred.Enqueue(cell);
            if (_deferred.Count == 1) Wake();
        }
    }

    private void Wake()
    {
        if (_signalled) return;
        _signalled = true;
        _signal.Release();
    }

    private void DropIdleLocked()
    {
        List<string>? idle = null;
        foreach (var (key, cell) in _cells)
            if (!cell.InFlight && !cell.Scheduled && cell.Changes is not { Count: > 0 }) (idle ??= []).Add(key);
        if (idle is null) return;
        foreach (var key in idle)
        {
            if (_cells.Remove(key, out var cell) && cell.EmptySince != 0) _heldEmpty--;
        }
    }

    /// <summary>Releases the change maps of cells that have had nothing to send for <see cref="KeepEmptyFor"/>.</summary>
    private void ReleaseStaleMapsLocked(long now)
    {
        _lastSweep = now;
        foreach (var cell in _cells.Values)
        {
            if (cell.EmptySince == 0 || now - cell.EmptySince < KeepEmptyFor) continue;
            // Held maps are empty and their cell idle: Enqueue and Send clear EmptySince before anything else.
            Debug.Assert(cell.Changes is { Count: 0 } && !cell.InFlight);
            var changes = cell.Changes!;
            cell.Changes = null;
            cell.Buffer = null;
            cell.EmptySince = 0;
            _heldEmpty--;
            // A few small ones are kept for reuse; a dense cell's map grew to its members and would keep that memory.
            if (_spare.Count < MaxSpare && changes.EnsureCapacity(0) <= 64) _spare.Push(changes);
        }
    }

    /// <summary>A touch never hides an upsert or a removal; anything else replaces what was queued.</summary>
    private static void Merge(Dictionary<Guid, NodeChange> changes, in NodeChange change)
    {
        if (change.Op == NodeChangeOp.Touch && changes.TryGetValue(change.NodeId, out var queued) && queued.Op != NodeChangeOp.Touch)
            return;
        changes[change.NodeId] = change;
    }

    private async Task FlushLoop()
    {
        var batches = new List<(CellQueue Cell, NodeChange[] Buffer, int Count)>();
        while (!_stopping.IsCancellationRequested)
        {
            int wait = Timeout.Infinite;
            lock (_gate)
            {
                long now = Stopwatch.GetTimestamp();
                if (_heldEmpty > 0 && now - _lastSweep >= KeepEmptyFor) ReleaseStaleMapsLocked(now);
                if (_ready.Count == 0 && _deferred.TryPeek(out var first))
                    wait = (int)Math.Ceiling(Math.Max(0, first.NotBefore - now) * 1000.0 / Stopwatch.Frequency);
                // Held maps are looked at again after a while even when nothing else wakes the loop.
                if (_heldEmpty > 0 && _ready.Count == 0)
                {
                    int sweep = (int)Math.Ceiling(Math.Max(0, _lastSweep + KeepEmptyFor - now) * 1000.0 / Stopwatch.Frequency);
                    wait = wait == Timeout.Infinite ? sweep : Math.Min(wait, sweep);
                }
            }
            try
            {
                // A due cell goes out now; the signal it may have raised is taken so it does not wake the loop again.
                if (wait == 0) _signal.Wait(0);
                else await _signal.WaitAsync(wait, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (_gate)
            {
                long now = Stopwatch.GetTimestamp();
                while (_deferred.TryPeek(out var due) && due.NotBefore <= now) _ready.Add(_deferred.Dequeue());
                (_ready, _draining) = (_draining, _ready);
                _signalled = false;
                foreach (var cell in _draining)
                {
                    cell.Scheduled = false;
                    if (cell.InFlight || cell.Changes is not { Count: > 0 } changes) continue;
                    int count = changes.Count;
                    var buffer = cell.Buffer is { } held && held.Length >= count ? held : new NodeChange[BufferSize(count)];
                    cell.Buffer = null;
                    changes.Values.CopyTo(buffer, 0);
                    changes.Clear();
                    cell.InFlight = true;
                    cell.NotBefore = now + _interval;
                    batches.Add((cell, buffer, count));
                }
                _draining.Clear();
            }
            foreach (var (cell, buffer, count) in batches) _ = Send(cell, buffer, count);
            // The list would otherwise hold the buffers of calls in flight until the next round.
            batches.Clear();
        }
    }

    /// <summary>Room for <paramref name="count"/> changes and some growth, so a cell's buffer is not remade at every call.</summary>
    private static int BufferSize(int count) => count <= 4 ? count : count + count / 4;

    private async Task Send(CellQueue cell, NodeChange[] buffer, int count)
    {
        Interlocked.Add(ref _changesSent, count);
        Interlocked.Increment(ref _callsSent);
        bool failed = false;
        var batch = buffer.AsMemory(0, count);
        try
        {
            await cell.Target.ApplyChanges(batch);
        }
        catch (Exception e)
        {
            failed = true;
            LogCellCallFailed(cell.Key, batch.Length, e);
            // Back off so a cell that is down (its silo just died) is not hammered while the cluster notices.
            try { await Task.Delay(RetryDelay, _stopping.Token); } catch (OperationCanceledException) { }
        }
        lock (_gate)
        {
            cell.InFlight = false;
            var changes = cell.Changes;
            if (failed)
            {
                changes ??= cell.Changes = _spare.Count > 0 ? _spare.Pop() : new Dictionary<Guid, NodeChange>();
                // Put the failed changes back unless a newer change for the same node is already queued.
                // A touch queued meanwhile carries the same version as the upsert it follows: it must not hide it.
                foreach (var change in batch.Span)
                    if (!changes.TryGetValue(change.NodeId, out var queued) || queued.Version < change.Version
                        || (queued.Op == NodeChangeOp.Touch && change.Op != NodeChangeOp.Touch && queued.Version <= change.Version))
                        changes[change.NodeId] = change;
            }
            // After a failure the call's message may still be on its way (a timeout), reading the buffer: not reused.
            if (!failed) cell.Buffer = buffer;
            if (changes is { Count: > 0 })
            {
                if (!cell.Scheduled) ScheduleLocked(cell, Stopwatch.GetTimestamp());
            }
            else if (changes is not null && cell.EmptySince == 0)
            {
                // Kept for the cell's next changes; released by the loop if none come for a while.
                cell.EmptySince = Math.Max(1, Stopwatch.GetTimestamp());
                // The loop may be waiting with no deadline: it must come back to release this map.
                if (_heldEmpty++ == 0) Wake();
            }
        }
    }

    // The token source is cancelled, not disposed: sends still in flight read its token on their way out.
    public void Dispose() => _stopping.Cancel();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering {Count} node changes to cell {Cell} failed; they are queued again")]
    private partial void LogCellCallFailed(string cell, int count, Exception? exception);
}
