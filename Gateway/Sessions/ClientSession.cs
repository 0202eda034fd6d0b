using System.Buffers;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Resonance.Gateway.Events;
using Resonance.Gateway.Hosting;
using Resonance.Gateway.Protocol;
using Resonance.Gateway.Spaces;
using Resonance.Grains;

namespace Resonance.Gateway.Sessions;

/// <summary>
/// One WebSocket client: a receive loop that validates and applies its messages one at a time, and a send loop that
/// drains its bounded <see cref="SendQueue"/>. Bad input is answered with <c>error</c> and changes nothing; only the
/// rate budgets, an idle timeout or a client too slow for its replies end the session from this side.
/// </summary>
public sealed partial class ClientSession(
    WebSocket socket,
    Guid userId,
    SpaceHub hub,
    (double X, double Y)? initialPosition,
    IGrainFactory grains,
    EventWriter events,
    GatewayOptions options,
    GatewayCounters counters,
    ILogger logger)
{
    private readonly SendQueue _queue = new(options.DroppableQueueLength, options.ReliableQueueLength);
    private readonly RateBudget _messages = new(options.MaxMessagesPerSecond, 2 * options.MaxMessagesPerSecond);
    private readonly RateBudget _errors = new(options.MaxErrorsPerMinute / 60.0, options.MaxErrorsPerMinute);
    private readonly CancellationTokenSource _abort = new();
    private FieldSubscription? _field;
    private bool _joined;
    // harmonic_stream coalescing: at most one participant update in flight per session; newer ones replace the waiting one.
    private readonly Lock _updateGate = new();
    private ParticipantUpdate? _waitingUpdate;
    private Task _updating = Task.CompletedTask;
    private bool _pumping;
    private readonly Guid _sessionId = Guid.NewGuid(); // guarded by _updateGate: true from a pump's start until it finds nothing waiting
    private WebSocketCloseStatus? _closeStatus;
    private string _closeReason = "";
    private Timer? _idleTimer;

    public Guid UserId { get; } = userId;
    public string Space => hub.Space;
    public FieldSubscription? Field => Volatile.Read(ref _field);

    /// <summary>Frame pacing, owned by the hub's frame loop.</summary>
    public long NextFrameDueMs;
    public uint FrameSeq;
    public (long Mirror, long Seq) LastFrameVersion = (-1, -1);

    public long Dropped => _queue.Dropped;

    public void SetField(FieldSubscription? subscription)
    {
        NextFrameDueMs = 0;
        LastFrameVersion = (-1, -1);
        Volatile.Write(ref _field, subscription);
    }

    public void SendDroppable(OutboundMessage message)
    {
        if (!_queue.EnqueueDroppable(message)) counters.FrameDropped();
    }

    public void SendReliable(OutboundMessage message)
    {
        if (!_queue.EnqueueReliable(message))
        {
            LogTooSlow(UserId, Space);
            RequestClose((WebSocketCloseStatus)1013, "client too slow");
        }
    }

    private void Reply(byte[] payload, string type) =>
        SendReliable(new OutboundMessage(payload, WebSocketMessageType.Text, type, System.Diagnostics.Stopwatch.GetTimestamp()));

    /// <summary>Closes after the queued messages went out (the send loop sends the close frame).</summary>
    public void RequestClose(WebSocketCloseStatus status, string reason)
    {
        lock (_queue)
        {
            if (_closeStatus is not null) return;
            _closeStatus = status;
            _closeReason = reason;
        }
        _queue.Complete();
        // A peer that never answers the close frame is cut off.
        _abort.CancelAfter(TimeSpan.FromSeconds(5));
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var stop = stopping.Register(() => RequestClose(WebSocketCloseStatus.EndpointUnavailable, "server shutting down"));
        counters.SessionOpened();
        hub.Add(this);
        _idleTimer = new Timer(_ => OnIdle(), null, options.IdleTimeout, Timeout.InfiniteTimeSpan);
        Reply(ServerMessages.ConnectionEstablished(UserId, Space, hub.Geometry.Config, hub.Latest), "connection_established");
        var sending = SendLoop();
        try
        {
            await ReceiveLoop();
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The peer vanished or was cut off; nothing to answer.
        }
        finally
        {
            hub.Remove(this);
            await _idleTimer.DisposeAsync();
            RequestClose(WebSocketCloseStatus.NormalClosure, "bye");
            await sending;
            await LeaveAsync();
            counters.SessionClosed();
            _abort.Dispose();
        }
    }

    private void OnIdle()
    {
        LogIdle(UserId, Space, options.IdleTimeout.TotalSeconds);
        RequestClose(WebSocketCloseStatus.NormalClosure, "idle timeout");
    }

    private async Task LeaveAsync()
    {
        if (!_joined) return;
        try
        {
            // The last streamed state must land before the removal, or it would bring the participant back.
            Task updating;
            lock (_updateGate) updating = _updating;
            await updating;
            await grains.GetGrain<INodeGrain>(UserId).Leave(_sessionId);
        }
        catch (Exception e)
        {
            // The participant still goes stale and is dropped by its cells.
            LogLeaveFailed(UserId, e);
        }
    }

    private async Task SendLoop()
    {
        try
        {
            while (await _queue.DequeueAsync(_abort.Token) is { } message)
            {
                await socket.SendAsync(message.Payload, message.Kind, endOfMessage: true, _abort.Token);
                counters.MessageOut(message.Type, message.EnqueuedTimestamp);
            }
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(_closeStatus ?? WebSocketCloseStatus.NormalClosure, _closeReason, _abort.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _abort.Cancel();
        }
    }

    private async Task ReceiveLoop()
    {
        int limit = options.MaxMessageBytes;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(limit + 1);
        try
        {
            while (true)
            {
                int length = 0;
                bool oversize = false;
                ValueWebSocketReceiveResult result;
                do
                {
                    // Past the limit, keep reading into the spare tail only to find the end of the message.
                    var target = oversize ? buffer.AsMemory(limit) : buffer.AsMemory(length, limit + 1 - length);
                    result = await socket.ReceiveAsync(target, _abort.Token);
                    if (result.MessageType == WebSocketMessageType.Close) return;
                    if (!oversize)
                    {
                        length += result.Count;
                        if (length > limit) oversize = true;
                    }
                } while (!result.EndOfMessage);

                if (_closeStatus is not null) continue; // closing: read until the peer's close, apply nothing more
                _idleTimer?.Change(options.IdleTimeout, Timeout.InfiniteTimeSpan);
                if (!_messages.TryTake())
                {
                    Fail(ErrorCodes.RateLimited, $"More than {options.MaxMessagesPerSecond} messages per second.", null, null);
                    RequestClose(WebSocketCloseStatus.PolicyViolation, "message rate exceeded");
                    continue;
                }
                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    Fail(ErrorCodes.BinaryNotSupported, "Binary messages are not accepted; send JSON text.", null, null);
                    continue;
                }
                if (oversize)
                {
                    Fail(ErrorCodes.MessageTooLarge, $"Messages are limited to {limit} bytes.", null, null);
                    continue;
                }
                if (await HandleAsync(buffer.AsMemory(0, length))) return;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Answers an error; a client over its error budget is closed with 1008.</summary>
    private void Fail(string code, string message, string? field, string? type)
    {
        counters.Error(code);
        Reply(ServerMessages.Error(code, message, field, type), "error");
        if (code != ErrorCodes.Unavailable && code != ErrorCodes.RateLimited && !_errors.TryTake())
        {
            counters.Error(ErrorCodes.RateLimited);
            Reply(ServerMessages.Error(ErrorCodes.RateLimited, $"More than {options.MaxErrorsPerMinute} errors per minute."), "error");
            RequestClose(WebSocketCloseStatus.PolicyViolation, "error budget exceeded");
        }
    }

    /// <summary>Handles one text message; true when the session should end.</summary>
    private async Task<bool> HandleAsync(ReadOnlyMemory<byte> utf8)
    {
        ClientMessage message;
        try
        {
            message = ClientMessageParser.Parse(utf8, hub.Geometry.Config);
        }
        catch (ProtocolException e)
        {
            Fail(e.Code, e.Message, e.Field, null);
            return false;
        }
        counters.MessageIn(message.Type);
        try
        {
            return await ApplyAsync(message);
        }
        catch (ProtocolException e)
        {
            Fail(e.Code, e.Message, e.Field, message.Type);
        }
        catch (ArgumentException e)
        {
            Fail(ErrorCodes.InvalidValue, e.Message, null, message.Type);
        }
        catch (KeyNotFoundException e)
        {
            Fail(ErrorCodes.NotFound, e.Message, null, message.Type);
        }
        catch (UnauthorizedAccessException e)
        {
            Fail(ErrorCodes.Forbidden, e.Message, null, message.Type);
        }
        catch (InvalidOperationException e)
        {
            Fail(ErrorCodes.InvalidValue, e.Message, null, message.Type);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogApplyFailed(message.Type, UserId, e);
            Fail(ErrorCodes.Unavailable, "The cluster could not complete the request; retry.", null, message.Type);
        }
        return false;
    }

    private async Task<bool> ApplyAsync(ClientMessage message)
    {
        switch (message)
        {
            case HarmonicStreamMessage m:
            {
                var update = m.Update with { Session = _sessionId };
                if (!_joined && update.X is null && initialPosition is { } p)
                    update = update with { X = p.X, Y = p.Y };
                // Only the latest state matters: the receive loop never waits on the grain for a stream update, so
                // heartbeats and acks stay prompt when the cluster is busy, and a burst collapses into one call.
                _joined = true;
                lock (_updateGate)
                {
                    _waitingUpdate = update;
                    if (!_pumping)
                    {
                        _pumping = true;
                        _updating = PumpUpdates();
                    }
                }
                return false;
            }
            case HeartbeatMessage m:
                Reply(ServerMessages.HeartbeatAck(m.Timestamp), "heartbeat_ack");
                if (_joined) await grains.GetGrain<INodeGrain>(UserId).Touch();
                return false;
            case QuantumEntangleMessage m:
            {
                if (!_joined) throw new ProtocolException(ErrorCodes.NotJoined, "Send harmonic_stream first: only participants entangle.");
                if (m.Target == UserId) throw new ProtocolException(ErrorCodes.InvalidValue, "A node cannot entangle with itself.", "entanglementTarget");
                var node = grains.GetGrain<INodeGrain>(UserId);
                if (m.Break)
                {
                    await node.BreakEntanglement(m.Target);
                    return false;
                }
                var state = await node.RequestEntanglement(m.Target);
                if (state == EntanglementState.Requested)
                    Reply(ServerMessages.QuantumEntanglement(m.Target, 0, EntanglementState.Requested), "quantum_entanglement");
                return false;
            }
            case MemoryCrystallizeMessage m:
            {
                var id = m.MemoryId ?? Guid.NewGuid();
                var node = await grains.GetGrain<INodeGrain>(id).Crystallize(Space, m.Update with { Owner = UserId });
                Reply(ServerMessages.MemoryCrystallized(node), "memory_crystallized");
                return false;
            }
            case ConsciousnessEventMessage m:
            {
                var e = m.ToSpaceEvent(Guid.NewGuid(), UserId);
                try
                {
                    await events.WriteAsync(new EventRecord(Space, e), _abort.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogStoreFailed(UserId, ex);
                    throw new ProtocolException(ErrorCodes.Unavailable, "The event could not be stored; retry.");
                }
                if (m.AckId is { } ackId) Reply(ServerMessages.Ack(ackId, e.EventId), "ack");
                hub.Relay(e);
                return false;
            }
            case SubscribeFieldMessage m:
                await hub.EnsureCellsAsync(m.Subscription, TimeSpan.Zero);
                Reply(ServerMessages.FieldSubscribed(m.Subscription), "field_subscribed");
                SetField(m.Subscription);
                return false;
            case UnsubscribeFieldMessage:
                SetField(null);
                return false;
            case DisconnectMessage:
                RequestClose(WebSocketCloseStatus.NormalClosure, "disconnect");
                return false;
            default:
                throw new ProtocolException(ErrorCodes.UnknownType, $"Unhandled message type '{message.Type}'.");
        }
    }

    /// <summary>Sends the waiting participant update, then the next one that arrived meanwhile, until none waits.</summary>
    private async Task PumpUpdates()
    {
        await Task.Yield();
        while (true)
        {
            ParticipantUpdate? update;
            lock (_updateGate)
            {
                update = _waitingUpdate;
                _waitingUpdate = null;
                if (update is null)
                {
                    _pumping = false; // under the same lock a new update checks: it starts the next pump
                    return;
                }
            }
            try
            {
                await grains.GetGrain<INodeGrain>(UserId).UpdateParticipant(Space, update);
            }
            catch (ArgumentException e)
            {
                Fail(ErrorCodes.InvalidValue, e.Message, null, MessageTypes.HarmonicStream);
            }
            catch (InvalidOperationException e)
            {
                Fail(ErrorCodes.InvalidValue, e.Message, null, MessageTypes.HarmonicStream);
            }
            catch (Exception e)
            {
                LogApplyFailed(MessageTypes.HarmonicStream, UserId, e);
                Fail(ErrorCodes.Unavailable, "The cluster could not apply the stream update; it will apply the next one.", null, MessageTypes.HarmonicStream);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {UserId} in {Space} silent for {Seconds} s; closing")]
    private partial void LogIdle(Guid userId, string space, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {UserId} in {Space} is too slow for its replies; closing")]
    private partial void LogTooSlow(Guid userId, string space);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing participant {UserId} failed")]
    private partial void LogLeaveFailed(Guid userId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying {Type} for {UserId} failed")]
    private partial void LogApplyFailed(string type, Guid userId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing an event of {UserId} failed")]
    private partial void LogStoreFailed(Guid userId, Exception exception);
}
