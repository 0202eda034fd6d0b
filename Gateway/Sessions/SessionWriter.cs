namespace Resonance.Gateway.Sessions;

/// <summary>
/// A client's outbound side: what is waiting for it, and the one writer that puts already-framed messages on its
/// connection. Whoever enqueues also writes, inline, when nobody else is writing (a broadcast to many sessions costs one
/// non-blocking write each, with no thread hop and no allocation); a write the connection cannot take at once finishes
/// asynchronously and the writer keeps draining from there, so a slow client holds up only itself.
/// <para>
/// Waiting messages come in three kinds. <b>Reliable</b> ones (replies, errors, notices, control frames) keep their order
/// and are never dropped: a client that lets too many pile up is too slow to serve (<see cref="EnqueueReliable"/> says
/// so). <b>Latest-wins</b> ones have one slot each: a newer <c>resonance_update</c> or field frame replaces one not yet
/// written (the update is a flag here and the message itself is read from its space's <see cref="LatestMessage"/> when
/// it is written). <b>Relayed events</b> keep the newest few. Reliable messages go first.
/// </para>
/// </summary>
public sealed class SessionWriter(IFrameSink sink, int relayCapacity, int reliableCapacity)
{
    // The two ordered kinds, guarded by _queues; their counts are also kept outside it (read without the lock).
    private readonly Lock _queues = new();
    private MessageRing _reliable;
    private MessageRing _relayed;
    private LatestMessage? _updates;
    // 1 while an update is waiting (the newest of _updates, read when it is written).
    private int _updateWaiting;
    private OutboundMessage? _frame;
    private int _reliableCount;
    private int _relayedCount;
    // 1 while one thread owns the sink (writing or waiting for a write to finish).
    private int _writing;
    private volatile bool _closed;
    private long _dropped;
    private long _written;
    // When the write in progress went asynchronous (Environment.TickCount64), 0 when none is waiting on the connection.
    private long _blockedSinceMs;

    /// <summary>Called once when a write fails (the connection is gone); the session then ends.</summary>
    public Action<Exception>? Failed { get; set; }

    /// <summary>Called after each message reached the connection (counters, latency).</summary>
    public Action<OutboundMessage>? Written { get; set; }

    public long Dropped => Interlocked.Read(ref _dropped);
    public long WrittenCount => Interlocked.Read(ref _written);
    public bool IsClosed => _closed;

    /// <summary>True while a write waits for the connection to take it.</summary>
    public bool WriteBlocked => Volatile.Read(ref _blockedSinceMs) != 0;

    /// <summary>How long the write in progress has waited for the connection to take it (0 when none waits).</summary>
    public long BlockedForMs(long nowMs)
    {
        long since = Volatile.Read(ref _blockedSinceMs);
        return since == 0 ? 0 : Math.Max(0, nowMs - since);
    }
    public int Pending => Volatile.Read(ref _reliableCount) + Volatile.Read(ref _relayedCount)
        + Volatile.Read(ref _updateWaiting) + (Volatile.Read(ref _frame) is null ? 0 : 1);

    /// <summary>Queues a message that must not be dropped; false when the client has fallen too far behind.</summary>
    public bool EnqueueReliable(OutboundMessage message)
    {
        if (_closed) return true;
        lock (_queues)
        {
            if (_reliable.Count >= reliableCapacity) return false;
            _reliable.Enqueue(message);
            Volatile.Write(ref _reliableCount, _reliable.Count);
        }
        Pump();
        return true;
    }

    /// <summary>
    /// Says the newest message of <paramref name="updates"/> waits for this client (it is read from there when written);
    /// false when an update was already waiting, and so is superseded unsent.
    /// </summary>
    public bool OfferUpdate(LatestMessage updates)
    {
        if (_closed) return true;
        // The holder is long-lived: after the first offer this store is of an old object to an old one, and marks no card.
        if (!ReferenceEquals(_updates, updates)) Volatile.Write(ref _updates, updates);
        return Offered(superseded: Interlocked.Exchange(ref _updateWaiting, 1) != 0);
    }

    /// <summary>Replaces the waiting field frame; false when one was superseded unsent.</summary>
    public bool OfferFrame(OutboundMessage message) => Offer(ref _frame, message);

    /// <summary>Queues a relayed event, dropping the oldest beyond the cap; false when one was dropped.</summary>
    public bool EnqueueRelayed(OutboundMessage message)
    {
        if (_closed) return true;
        bool dropped = false;
        lock (_queues)
        {
            _relayed.Enqueue(message);
            if (_relayed.Count > relayCapacity) dropped = _relayed.TryDequeue(out _);
            Volatile.Write(ref _relayedCount, _relayed.Count);
        }
        if (dropped) Interlocked.Increment(ref _dropped);
        Pump();
        return !dropped;
    }

    /// <summary>The connection will end with a reset (see <see cref="IFrameSink.ResetOnClose"/>).</summary>
    public void ResetOnClose() => sink.ResetOnClose();

    /// <summary>Nothing more is accepted or written; what is still waiting is discarded.</summary>
    public void Close() => _closed = true;

    private bool Offer(ref OutboundMessage? slot, OutboundMessage message)
    {
        if (_closed) return true;
        return Offered(superseded: Interlocked.Exchange(ref slot, message) is not null);
    }

    /// <summary>After a latest-wins message was put in its slot: counts the one it replaced unsent, and writes.</summary>
    private bool Offered(bool superseded)
    {
        if (superseded) Interlocked.Increment(ref _dropped);
        Pump();
        return !superseded;
    }

    /// <summary>Becomes the writer if nobody is, and writes until nothing waits or a write has to wait.</summary>
    private void Pump()
    {
        while (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            if (!WriteAvailable()) return; // a write is pending: its continuation owns the sink now
            // A full fence, not a release: the look below must not be read before the release is seen, or an enqueuer
            // that found the writer busy and this look could both miss the message.
            Interlocked.Exchange(ref _writing, 0);
            // Something may have arrived after the last look and before the release: look again.
            if (!HasWaiting()) return;
        }
    }

    /// <summary>Writes waiting messages while the sink completes synchronously; false when a write went asynchronous.</summary>
    private bool WriteAvailable()
    {
        while (!_closed && TryTake(out var message))
        {
            ValueTask write;
            try
            {
                write = sink.WriteAsync(message.Frame);
            }
            catch (Exception e)
            {
                Fail(e);
                return true;
            }
            if (!write.IsCompleted)
            {
                Volatile.Write(ref _blockedSinceMs, Math.Max(1, Environment.TickCount64));
                _ = FinishAsync(write, message);
                return false;
            }
            if (!Completed(write, message)) return true;
        }
        return true;
    }

    private async Task FinishAsync(ValueTask write, OutboundMessage message)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Fail(e);
            Volatile.Write(ref _writing, 0);
            return;
        }
        finally
        {
            Volatile.Write(ref _blockedSinceMs, 0);
        }
        AfterWrite(message);
        if (!WriteAvailable()) return;
        Interlocked.Exchange(ref _writing, 0);
        Pump();
    }

    private bool Completed(ValueTask write, OutboundMessage message)
    {
        try
        {
            write.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Fail(e);
            return false;
        }
        AfterWrite(message);
        return true;
    }

    private void AfterWrite(OutboundMessage message)
    {
        Interlocked.Increment(ref _written);
        // Nothing may follow a close frame on the wire.
        if (WebSocketFrame.IsClose(message.Frame)) _closed = true;
        Written?.Invoke(message);
    }

    private void Fail(Exception e)
    {
        if (_closed) return;
        _closed = true;
        Failed?.Invoke(e);
    }

    private bool HasWaiting() => !_closed && Pending > 0;

    private bool TryTake(out OutboundMessage message)
    {
        // The counts are read first: most writes (broadcasts) find both queues empty without taking the lock.
        if (Volatile.Read(ref _reliableCount) > 0 && TryDequeue(ref _reliable, ref _reliableCount, out message)) return true;
        if (Volatile.Read(ref _updateWaiting) != 0 && Interlocked.Exchange(ref _updateWaiting, 0) != 0 &&
            Volatile.Read(ref _updates)?.Current is { } update)
        {
            message = update;
            return true;
        }
        if (Volatile.Read(ref _relayedCount) > 0 && TryDequeue(ref _relayed, ref _relayedCount, out message)) return true;
        if (Interlocked.Exchange(ref _frame, null) is { } frame)
        {
            message = frame;
            return true;
        }
        message = null!;
        return false;
    }

    private bool TryDequeue(ref MessageRing ring, ref int count, out OutboundMessage message)
    {
        lock (_queues)
        {
            bool taken = ring.TryDequeue(out message);
            Volatile.Write(ref count, ring.Count);
            return taken;
        }
    }
}
