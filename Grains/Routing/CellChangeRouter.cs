using Microsoft.Extensions.Logging;

namespace Resonance.Grains.Routing;

/// <summary>
/// The silo's one path from node grains to cell grains. Node grains enqueue changes and return at once; a single flush
/// loop sends each cell one <see cref="ICellGrain.ApplyChanges"/> call per round with every change queued for it since
/// the last round, keeping only each node's latest change (a participant's latest state is all that matters). Rounds
/// follow each other back to back, so an idle router adds no delay and a busy one batches more per call.
/// </summary>
public sealed partial class CellChangeRouter(IGrainFactory grains, ILogger<CellChangeRouter> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private Dictionary<string, Dictionary<Guid, NodeChange>> _pending = new(StringComparer.Ordinal);
    private Dictionary<string, Dictionary<Guid, NodeChange>> _spare = new(StringComparer.Ordinal);
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
                _pending[cellKey] = changes = new Dictionary<Guid, NodeChange>();
            Merge(changes, change);
            if (!_signalled)
            {
                _signalled = true;
                _signal.Release();
            }
            _loop ??= Task.Run(FlushLoop);
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
        var calls = new List<Task>();
        var sent = new List<(string Cell, NodeChange[] Changes)>();
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

            Dictionary<string, Dictionary<Guid, NodeChange>> round;
            lock (_gate)
            {
                round = _pending;
                _pending = _spare;
                _spare = round;
                _signalled = false;
            }

            calls.Clear();
            sent.Clear();
            foreach (var (cell, changes) in round)
            {
                if (changes.Count == 0) continue;
                var batch = new NodeChange[changes.Count];
                changes.Values.CopyTo(batch, 0);
                changes.Clear();
                sent.Add((cell, batch));
                calls.Add(grains.GetGrain<ICellGrain>(cell).ApplyChanges(batch));
                Interlocked.Add(ref _changesSent, batch.Length);
            }
            Interlocked.Add(ref _callsSent, calls.Count);
            // Cells that went quiet would keep their (now empty) dictionaries forever; drop them now and then.
            if (round.Count > 4 * Math.Max(16, calls.Count)) round.Clear();

            try
            {
                await Task.WhenAll(calls);
            }
            catch
            {
                Requeue(calls, sent);
                // Back off so a cell that is down (its silo just died) is not hammered while the cluster notices.
                try { await Task.Delay(RetryDelay, _stopping.Token); } catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>Puts a failed call's changes back unless a newer change for the same node is already queued.</summary>
    private void Requeue(List<Task> calls, List<(string Cell, NodeChange[] Changes)> sent)
    {
        for (int k = 0; k < calls.Count; k++)
        {
            if (!calls[k].IsFaulted) continue;
            var (cell, batch) = sent[k];
            LogCellCallFailed(cell, batch.Length, calls[k].Exception?.GetBaseException());
            lock (_gate)
            {
                if (!_pending.TryGetValue(cell, out var changes))
                    _pending[cell] = changes = new Dictionary<Guid, NodeChange>();
                foreach (var change in batch)
                    if (!changes.TryGetValue(change.NodeId, out var queued) || queued.Version < change.Version)
                        changes[change.NodeId] = change;
                if (!_signalled)
                {
                    _signalled = true;
                    _signal.Release();
                }
            }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering {Count} node changes to cell {Cell} failed; they are queued again")]
    private partial void LogCellCallFailed(string cell, int count, Exception? exception);
}
