namespace Resonance.Gateway.Sessions;

/// <summary>
/// A client's bounded outbound queue with two classes: <b>droppable</b> messages (field frames, resonance updates,
/// relayed events — a newer one supersedes an older) are capped and drop the oldest when full; <b>reliable</b> messages
/// (acks, errors, replies) are never dropped: if they overflow their own cap the client is too slow to serve and the
/// queue reports it so the session can close. Control messages go first. One reader (the session's send loop).
/// </summary>
public sealed class SendQueue(int droppableCapacity, int reliableCapacity)
{
    private readonly Queue<OutboundMessage> _reliable = new();
    private readonly Queue<OutboundMessage> _droppable = new();
    private readonly SemaphoreSlim _signal = new(0);
    private bool _completed;

    public long Dropped { get; private set; }

    /// <summary>Enqueues a droppable message; returns false if the oldest droppable message had to make room.</summary>
    public bool EnqueueDroppable(OutboundMessage message)
    {
        bool droppedOne = false;
        lock (_droppable)
        {
            if (_completed) return true;
            if (_droppable.Count >= droppableCapacity)
            {
                _droppable.Dequeue();
                Dropped++;
                droppedOne = true;
            }
            _droppable.Enqueue(message);
        }
        if (!droppedOne) _signal.Release();
        return !droppedOne;
    }

    /// <summary>Enqueues a message that must not be dropped; false when the client has fallen too far behind.</summary>
    public bool EnqueueReliable(OutboundMessage message)
    {
        lock (_droppable)
        {
            if (_completed) return true;
            if (_reliable.Count >= reliableCapacity) return false;
            _reliable.Enqueue(message);
        }
        _signal.Release();
        return true;
    }

    /// <summary>Waits for the next message; null once completed and drained.</summary>
    public async ValueTask<OutboundMessage?> DequeueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_droppable)
            {
                if (_reliable.TryDequeue(out var r)) return r;
                if (_droppable.TryDequeue(out var d)) return d;
                if (_completed) return null;
            }
            // A signal whose droppable message was superseded: the count of signals equals the messages enqueued minus
            // the ones dropped, so an empty queue here only happens on completion.
        }
    }

    public void Complete()
    {
        lock (_droppable)
        {
            if (_completed) return;
            _completed = true;
        }
        _signal.Release();
    }

    public int Count
    {
        get
        {
            lock (_droppable) return _reliable.Count + _droppable.Count;
        }
    }
}
