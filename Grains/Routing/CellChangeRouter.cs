using Microsoft.Extensions.Logging;
using Resonance.Grains.Hosting;

namespace Resonance.Grains.Routing;

/// <summary>
/// The silo's one path from node grains to cell grains. Node grains enqueue changes and return at once. Each cell has at
/// most one <see cref="ICellGrain.ApplyChanges"/> call in flight: changes for a cell that is busy accumulate (keeping only
/// each node's latest change — a participant's latest state is all that matters) and go out in one call as soon as the
/// previous call returns. An idle router adds no delay, a busy cell gets bigger batches, and a slow cell never holds up
/// the others.
/// </summary>
public sealed partial class CellChangeRouter(GrainReferences grains, ILogger<CellChangeRouter> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stopping = new();
    // All guarded by _gate.
    private readonly Dictionary<string, Dictionary<Guid, NodeChange>> _pending = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    // Emptied queues of cells that went quiet, reused for the next cell (a sparse space's cells come and go per update).
    private readonly Stack<Dictionary<Guid, NodeChange>> _spare = new();
    private const int MaxSpare = 256;
    // References to the cells this silo sends to (bounded: cleared when it holds too many).
    private readonly Dictionary<string, ICellGrain> _cells = new(StringComparer.Ordinal);
    private const int MaxCachedCells = 1 << 14;
    private List<string> _ready = [];
    private List<string> _draining = [];
    private bool _signalled;
    private Task? _loop;
    private long _changesSent;
    private long _callsSent;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Changes delivered to cells so far (after coalescing).</summary>
    public long ChangesSent => Interlocked.Read(ref _changesSent);

    /// <summary>Cell calls made so far.</summary>
    public long CallsSent => Interlocked.Read(ref _callsSent);

    public void Enqueue(string cellKey, in NodeChange change)
    {
        lock (_gate)
        {
            if (!_pending.TryGetValue(cellKey, out var changes))
                _pending[cellKey] = changes = _spare.Count > 0 ? _spare.Pop() : new Dictionary<Guid, NodeChange>();
            bool wasEmpty = changes.Count == 0;
            Merge(changes, change);
            if (wasEmpty && !_inFlight.Contains(cellKey)) MarkReadyLocked(cellKey);
            _loop ??= Task.Run(FlushLoop);
        }
    }

    private void MarkReadyLocked(string cellKey)
    {
        _ready.Add(cellKey);
        if (_signalled) return;
        _signalled = true;
        _signal.Release();
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
        var batches = new List<(string Cell, NodeChange[] Changes)>();
        var targets = new List<ICellGrain>();
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            batches.Clear();
            targets.Clear();
            lock (_gate)
            {
                (_ready, _draining) = (_draining, _ready);
                _signalled = false;
                foreach (var cell in _draining)
                {
                    if (_inFlight.Contains(cell) || !_pending.TryGetValue(cell, out var changes) || changes.Count == 0) continue;
                    var batch = new NodeChange[changes.Count];
                    changes.Values.CopyTo(batch, 0);
                    changes.Clear();
                    _inFlight.Add(cell);
                    batches.Add((cell, batch));
                    if (!_cells.TryGetValue(cell, out var target))
                    {
                        if (_cells.Count >= MaxCachedCells) _cells.Clear();
                        _cells[cell] = target = grains.Cell(cell);
                    }
                    targets.Add(target);
                }
                _draining.Clear();
            }
            for (int k = 0; k < batches.Count; k++) _ = Send(targets[k], batches[k].Cell, batches[k].Changes);
        }
    }

    private async Task Send(ICellGrain target, string cell, NodeChange[] batch)
    {
        Interlocked.Add(ref _changesSent, batch.Length);
        Interlocked.Increment(ref _callsSent);
        bool failed = false;
        try
        {
            await target.ApplyChanges(batch);
        }
        catch (Exception e)
        {
            failed = true;
            LogCellCallFailed(cell, batch.Length, e);
            // Back off so a cell that is down (its silo just died) is not hammered while the cluster notices.
            try { await Task.Delay(RetryDelay, _stopping.Token); } catch (OperationCanceledException) { }
        }
        lock (_gate)
        {
            _inFlight.Remove(cell);
            if (!_pending.TryGetValue(cell, out var changes))
                _pending[cell] = changes = _spare.Count > 0 ? _spare.Pop() : new Dictionary<Guid, NodeChange>();
            if (failed)
            {
                // Put the failed changes back unless a newer change for the same node is already queued.
                // A touch queued meanwhile carries the same version as the upsert it follows: it must not hide it.
                foreach (var change in batch)
                    if (!changes.TryGetValue(change.NodeId, out var queued) || queued.Version < change.Version
                        || (queued.Op == NodeChangeOp.Touch && change.Op != NodeChangeOp.Touch && queued.Version <= change.Version))
                        changes[change.NodeId] = change;
            }
            if (changes.Count > 0) MarkReadyLocked(cell);
            else
            {
                // Quiet cells do not keep a queue; a few emptied ones are kept for reuse (small ones: a dense cell's
                // queue grew to its members and would keep that memory).
                _pending.Remove(cell);
                if (_spare.Count < MaxSpare && changes.EnsureCapacity(0) <= 64) _spare.Push(changes);
            }
        }
    }

    // The token source is cancelled, not disposed: sends still in flight read its token on their way out.
    public void Dispose() => _stopping.Cancel();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering {Count} node changes to cell {Cell} failed; they are queued again")]
    private partial void LogCellCallFailed(string cell, int count, Exception? exception);
}
