using System.Buffers;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Resonance.Gateway.Auth;
using Resonance.Gateway.Events;
using Resonance.Gateway.Hosting;
using Resonance.Gateway.Protocol;
using Resonance.Gateway.Spaces;
using Resonance.Grains;

namespace Resonance.Gateway.Sessions;

/// <summary>
/// One WebSocket client: a receive loop that validates and applies its messages one at a time, and a
/// <see cref="SessionWriter"/> for everything it is sent. Stream updates, keep-alives and the final leave go to the
/// space's <see cref="ParticipantBatcher"/> through slots of this session (latest wins), never as a grain call per message.
/// Bad input is answered with <c>error</c> and changes nothing; only the rate budgets, an idle timeout or a client too
/// slow for its replies end the session from this side.
/// </summary>
public sealed partial class ClientSession
{
    /// <summary>
    /// The app's messages are 50-400 bytes (harmonic_stream ~200): a buffer this size serves them; larger ones rent one.
    /// Every idle session holds it, so it is kept small (1 KB cost ~10 MB at 10,000 sessions).
    /// </summary>
    private const int SmallReceiveBuffer = 512;

    private readonly WebSocket _socket;
    private readonly SessionWriter _writer;
    private readonly SpaceHub _hub;
    private readonly (double X, double Y)? _initialPosition;
    private readonly IGrainFactory _grains;
    private readonly EventAppender _events;
    private readonly GatewayOptions _options;
    private readonly GatewayCounters _counters;
    private readonly ILogger _logger;
    private readonly RateBudget _messages;
    private readonly RateBudget _errors;
    private readonly CancellationTokenSource _abort = new();
    private readonly Guid _sessionId = Guid.NewGuid();
    private FieldSubscription? _field;
    private bool _joined;
    private int _closeRequested;
    // Drain (the gateway stopping): close with 1012 once the message being handled, if any, has had its answer.
    private int _draining, _handling;
    private long _lastReceivedMs = Environment.TickCount64;
    // When the first part of the message being received arrived (0: none in progress); see CloseIfIdle.
    private long _messageStartedMs;
    // Broadcasts are offered only after connection_established went first.
    private volatile bool _greeted;

    // Participant slots, taken by the space's batcher (see TakeCommand).
    private ParticipantUpdate? _streamSlot;
    private int _touchSlot;
    private volatile bool _leaving;
    private int _queued;
    private volatile bool _inBatch;
    private readonly Lock _appliedGate = new();
    private TaskCompletionSource? _applied;
    private readonly TaskCompletionSource _left = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClientSession(WebSocket socket, SessionWriter writer, Guid userId, SpaceHub hub, (double X, double Y)? initialPosition,
        IGrainFactory grains, EventAppender events, GatewayOptions options, GatewayCounters counters, ServerStall stall, ILogger logger)
    {
        _socket = socket;
        _writer = writer;
        _hub = hub;
        _initialPosition = initialPosition;
        _grains = grains;
        _events = events;
        _options = options;
        _counters = counters;
        _logger = logger;
        UserId = userId;
        // A burst that only piled up while this server was stalled is not the client's doing: the message budget grows
        // by what the client could have sent during the stall.
        _messages = new RateBudget(options.MaxMessagesPerSecond, 2 * options.MaxMessagesPerSecond, stall);
        _errors = new RateBudget(options.MaxErrorsPerMinute / 60.0, options.MaxErrorsPerMinute);
        _pongTimeoutMs = (long)(options.PongTimeout.TotalMilliseconds + Random.Shared.NextDouble() * Math.Max(0, options.PongTimeoutSpread.TotalMilliseconds));
        _writer.Failed = _ => _abort.Cancel();
        _writer.Written = m =>
        {
            if (!m.Shared) counters.MessageOut(m.Type, m.EnqueuedTimestamp);
        };
    }

    /// <summary>The session's public id in its space (its participant's node id): the pseudonym of <see cref="Subject"/>.</summary>
    public Guid UserId { get; }

    /// <summary>Who the session acts as: the token's subject, or a fresh anonymous one. Stored with events and memories; never shown to others.</summary>
    public Guid Subject { get; init; }

    /// <summary>True when the session was opened with a valid access token.</summary>
    public bool Authenticated { get; init; }

    public AccessTokens? Tokens { get; init; }

    /// <summary>
    /// The client's answers to the session's pings (null when the connection was not upgraded here, e.g. HTTP/2, and
    /// its pongs cannot be seen). A client that leaves a ping unanswered past <see cref="GatewayOptions.PongGrace"/> gets
    /// broadcasts at a reduced rate until it answers, and is closed with <see cref="PingUnanswered"/> after
    /// <see cref="GatewayOptions.PongTimeout"/>.
    /// </summary>
    public PongLiveness? Liveness { get; init; }

    /// <summary>Close code for a session that left a ping unanswered for <see cref="GatewayOptions.PongTimeout"/> (private range).</summary>
    public const WebSocketCloseStatus PingUnanswered = (WebSocketCloseStatus)4408;

    // Which of its broadcasts a degraded session takes; only the fan-out touches it.
    private UnansweredBackoff _backoff;
    // 1 while this session is in the gateway's count of degraded sessions (the pump's upkeep keeps it; the session's end
    // takes it out, and the pump may still look once after that).
    private int _countedDegraded;
    private volatile bool _ended;
    // This session's pong timeout: PongTimeout plus a random part of PongTimeoutSpread, so non-readers that came together
    // (a flood started at once, reconnecting as soon as they are cut) are not cut, and do not come back, all together.
    private readonly long _pongTimeoutMs;

    /// <summary>True while the session's last ping is unanswered past the grace (broadcasts at a reduced rate).</summary>
    public bool Degraded => Liveness is { Degraded: true };

    private long _tokenExpiresTicks = DateTime.MaxValue.Ticks;

    /// <summary>When the session's access token expires (renewed in-band by a <c>refresh</c> message).</summary>
    public DateTime TokenExpiresUtc
    {
        get => new(Interlocked.Read(ref _tokenExpiresTicks), DateTimeKind.Utc);
        init => _tokenExpiresTicks = value.Ticks;
    }

    /// <summary>Close code for a session whose access token expired without an in-band <c>refresh</c> (private range 4000-4999).</summary>
    public const WebSocketCloseStatus TokenExpired = (WebSocketCloseStatus)4401;

    /// <summary>Close code for a session whose identity was erased (<c>DELETE /api/me</c>): its tokens are void; get a new identity.</summary>
    public const WebSocketCloseStatus IdentityErased = (WebSocketCloseStatus)4403;
    public string Space => _hub.Space;
    public FieldSubscription? Field => Volatile.Read(ref _field);

    /// <summary>Frame pacing, owned by the hub's frame pump.</summary>
    public long NextFrameDueMs;
    public uint FrameSeq;
    public (long Mirror, long Seq) LastFrameVersion = (-1, -1);

    public long Dropped => _writer.Dropped;

    /// <summary>Messages written to the client's connection so far.</summary>
    public long Written => _writer.WrittenCount;

    public void SetField(FieldSubscription? subscription)
    {
        NextFrameDueMs = 0;
        LastFrameVersion = (-1, -1);
        Volatile.Write(ref _field, subscription);
        _hub.FieldChanged(this, subscription is not null);
    }

    /// <summary>The space's latest <c>resonance_update</c> (one framed message shared by every session, held in <paramref name="updates"/>).</summary>
    public void OfferUpdate(LatestMessage updates)
    {
        if (_greeted && TakesBroadcast() && !_writer.OfferUpdate(updates)) _counters.FrameDropped();
    }

    /// <summary>A session that answers its pings takes every broadcast; a degraded one fewer and fewer (<see cref="UnansweredBackoff"/>).</summary>
    private bool TakesBroadcast() =>
        _backoff.Take(Liveness is { Degraded: true }, _options.UnansweredBroadcastEvery, _options.UnansweredBroadcastMaxEvery);

    /// <summary>How many broadcasts apart this session takes them now: 1 while it answers its pings.</summary>
    public int BroadcastGap => _backoff.GapFor(Degraded, _options.UnansweredBroadcastEvery);

    public void OfferFrame(OutboundMessage message)
    {
        if (_greeted && !_writer.OfferFrame(message)) _counters.FrameDropped();
    }

    public void SendRelayed(OutboundMessage message)
    {
        // Relayed events are droppable: a client that does not read gets none until it answers its ping.
        if (Degraded) return;
        if (_greeted && !_writer.EnqueueRelayed(message)) _counters.FrameDropped();
    }

    public void SendReliable(OutboundMessage message)
    {
        if (!_writer.EnqueueReliable(message))
        {
            LogTooSlow(UserId, Space);
            _counters.SessionCut("too_slow");
            _writer.Close();
            _abort.Cancel();
        }
    }

    private void Reply(byte[] payload, string type) => SendReliable(OutboundMessage.Text(payload, type));

    /// <summary>Sends a close frame after what is already queued; the peer's answer ends the receive loop.</summary>
    public void RequestClose(WebSocketCloseStatus status, string reason) => RequestClose(status, reason, TimeSpan.FromSeconds(5));

    /// <param name="answerWithin">How long the peer has to answer the close frame before the connection is cut.</param>
    private void RequestClose(WebSocketCloseStatus status, string reason, TimeSpan answerWithin)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0) return;
        _ = CloseOutputAsync(status, reason);
        // A peer that never answers the close frame is cut off (the token source is never disposed, so this is safe late).
        _abort.CancelAfter(answerWithin);
    }

    private async Task CloseOutputAsync(WebSocketCloseStatus status, string reason)
    {
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await _socket.CloseOutputAsync(status, reason, _abort.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            _abort.Cancel();
        }
    }

    /// <summary>WebSocket close code 1012 (RFC 6455 registry: "Service Restart"): the client should reconnect.</summary>
    public const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;

    /// <summary>
    /// Closes the session for a gateway shutdown with <see cref="ServiceRestart"/>, after the message in hand (if any) is
    /// answered, so an event being committed still gets its ack before the close frame.
    /// </summary>
    public void Drain()
    {
        Interlocked.Exchange(ref _draining, 1);
        if (Interlocked.CompareExchange(ref _handling, 0, 0) == 0) RequestClose(ServiceRestart, "service restart");
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var stop = stopping.Register(Drain);
        _counters.SessionOpened();
        Reply(ServerMessages.ConnectionEstablished(UserId, Authenticated ? Subject : null, Space, _hub.Geometry.Config, _hub.Latest), "connection_established");
        // The first ping right behind the greeting: a client that does not read is known within the grace.
        PingIfDue(Environment.TickCount64);
        _greeted = true;
        if (Authenticated) _ = JoinSubjectAsync();
        try
        {
            await ReceiveLoop();
            // The peer closed first: answer its close frame.
            RequestClose(WebSocketCloseStatus.NormalClosure, "bye");
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The peer vanished or was cut off; nothing to answer.
        }
        finally
        {
            // A write still waiting for the peer to read will never finish: end with a reset, not a FIN queued behind it.
            if (_writer.WriteBlocked) _writer.ResetOnClose();
            _writer.Close();
            _ended = true;
            if (Interlocked.Exchange(ref _countedDegraded, 0) == 1) _counters.Unanswered(-1);
            // Still a member of the hub while leaving: the hub's batcher carries the leave.
            await LeaveAsync();
            _hub.Remove(this);
            _counters.SessionClosed();
        }
    }

    /// <summary>
    /// Closes the session when it sent nothing for the idle timeout (the hub's pump asks, about once a second). While a
    /// message is being handled nothing is read, so a slow grain call (a silo that died holds it until the response
    /// timeout) never makes the client look silent.
    /// <para>
    /// The same look also cuts off hostile or broken peers: one whose pending write has not moved for the send timeout
    /// (it stopped reading; nothing more can reach it, so the connection is dropped without a close frame), and one
    /// that began a message and has not finished it within the message timeout (closed with 1008). A partial message
    /// never counts as activity, so it cannot keep a session open either.
    /// </para>
    /// </summary>
    public void CloseIfIdle(long nowMs)
    {
        if (_writer.BlockedForMs(nowMs) >= _options.SendTimeout.TotalMilliseconds && !_abort.IsCancellationRequested)
        {
            LogSendTimeout(UserId, Space, _options.SendTimeout.TotalSeconds);
            _counters.SessionCut("send_timeout");
            _writer.ResetOnClose();
            _writer.Close();
            _abort.Cancel();
            return;
        }
        if (Volatile.Read(ref _closeRequested) != 0) return;
        long started = Volatile.Read(ref _messageStartedMs);
        if (started != 0 && nowMs - started >= _options.MessageTimeout.TotalMilliseconds)
        {
            LogMessageTimeout(UserId, Space, _options.MessageTimeout.TotalSeconds);
            _counters.SessionCut("message_timeout");
            _counters.Error(ErrorCodes.MessageTimeout);
            Reply(ServerMessages.Error(ErrorCodes.MessageTimeout, $"A message must be complete within {_options.MessageTimeout.TotalSeconds} s of its first fragment."), "error");
            RequestClose(WebSocketCloseStatus.PolicyViolation, "message not finished in time");
            return;
        }
        if (nowMs - Volatile.Read(ref _lastReceivedMs) < _options.IdleTimeout.TotalMilliseconds || Volatile.Read(ref _handling) != 0) return;
        // A session with no participant that does not answer its pings either (a client that neither sends nor reads)
        // holds nothing but its degraded connection: the pong timeout (60-90 s) ends it. Closing it at the idle timeout
        // only brings its reconnection sooner, and many such clients reconnecting together cost far more than their
        // degraded sessions (docs/benchmarks.md, hostile clients).
        if (!_joined && Degraded) return;
        LogIdle(UserId, Space, _options.IdleTimeout.TotalSeconds);
        _counters.SessionCut("idle");
        RequestClose(WebSocketCloseStatus.NormalClosure, "idle timeout");
    }

    /// <summary>
    /// The pong-based liveness look (the hub's pump, about once a second): a session whose ping waited past the grace is
    /// degraded (<see cref="Degraded"/>), one whose ping waited past <see cref="GatewayOptions.PongTimeout"/> is closed
    /// with <see cref="PingUnanswered"/>, and one that answered gets its next ping once the keep-alive interval passed.
    /// </summary>
    public void CheckLiveness(long nowMs)
    {
        if (Liveness is not { } liveness) return;
        if (Volatile.Read(ref _closeRequested) == 0)
        {
            var state = liveness.Evaluate(nowMs, (long)_options.PongGrace.TotalMilliseconds, _pongTimeoutMs);
            if (state == LivenessState.Unresponsive)
            {
                LogPingUnanswered(UserId, Space, _pongTimeoutMs / 1000.0);
                _counters.SessionCut("pong_timeout");
                // It does not read, so it will not answer the close frame either: cut it soon after.
                RequestClose(PingUnanswered, "ping unanswered", TimeSpan.FromSeconds(1));
            }
            else PingIfDue(nowMs);
        }
        int want = liveness.Degraded && Volatile.Read(ref _closeRequested) == 0 && !_ended ? 1 : 0;
        int was = Interlocked.Exchange(ref _countedDegraded, want);
        if (was != want) _counters.Unanswered(want - was);
        // The session ended while this look ran: take it out again.
        if (want == 1 && _ended && Interlocked.Exchange(ref _countedDegraded, 0) == 1) _counters.Unanswered(-1);
    }

    private void PingIfDue(long nowMs)
    {
        if (Liveness is not { } liveness || _options.KeepAliveInterval <= TimeSpan.Zero) return;
        if (!liveness.TryStartPing(nowMs, (long)_options.KeepAliveInterval.TotalMilliseconds, Random.Shared.NextInt64(), out long payload)) return;
        var frame = new byte[2 + sizeof(long)];
        frame[0] = 0x80 | 0x9; // FIN, ping
        frame[1] = sizeof(long);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(frame.AsSpan(2), payload);
        // Shared: not counted as a message out (a keep-alive is not traffic the client asked for).
        SendReliable(new OutboundMessage(frame, "ping", System.Diagnostics.Stopwatch.GetTimestamp(), shared: true));
    }

    /// <summary>Closes the session once its access token expired (the hub's pump asks, about once a second).</summary>
    public void CloseIfTokenExpired(DateTime nowUtc)
    {
        if (!Authenticated || nowUtc < TokenExpiresUtc || Volatile.Read(ref _closeRequested) != 0) return;
        LogTokenExpired(UserId, Space);
        RequestClose(TokenExpired, "token expired");
    }

    // -----------------------------------------------------------------------------------------------------------------
    // Participant slots (the batcher's side)

    private void QueueForBatch()
    {
        if (Interlocked.Exchange(ref _queued, 1) == 0) _hub.Batcher.Enqueue(this);
    }

    /// <summary>Takes what this session has for its participant since the last batch; false when nothing.</summary>
    public bool TakeCommand(out ParticipantCommand command)
    {
        Volatile.Write(ref _queued, 0);
        var update = Interlocked.Exchange(ref _streamSlot, null);
        bool touch = Interlocked.Exchange(ref _touchSlot, 0) == 1;
        bool leaving = _leaving;
        command = new ParticipantCommand(UserId, update, touch && update is null, leaving ? _sessionId : null);
        bool any = update is not null || touch || leaving;
        if (any) _inBatch = true;
        return any;
    }

    /// <summary>Puts a taken command back (it waits for the next batch); a newer update stays.</summary>
    public void Untake(in ParticipantCommand command)
    {
        if (command.Update is { } update) Interlocked.CompareExchange(ref _streamSlot, update, null);
        if (command.Touch) Volatile.Write(ref _touchSlot, 1);
        _inBatch = false;
    }

    public void BatchApplied(in ParticipantCommand command, ParticipantFailure? failure)
    {
        _inBatch = false;
        if (!HasPendingCommand)
        {
            TaskCompletionSource? waiter;
            lock (_appliedGate) (waiter, _applied) = (_applied, null);
            waiter?.TrySetResult();
        }
        if (command.LeaveSession is not null)
        {
            _left.TrySetResult();
            return;
        }
        if (failure is not { } f) return;
        if (f.Invalid) Fail(ErrorCodes.InvalidValue, f.Message, null, MessageTypes.HarmonicStream);
        else
        {
            LogStreamFailed(UserId, f.Message);
            Fail(ErrorCodes.Unavailable, "The cluster could not apply the stream update; it will apply the next one.", null, MessageTypes.HarmonicStream);
        }
    }

    /// <summary>The batch did not reach the cluster: the command is queued again (a newer update replaces it).</summary>
    public void BatchFailed(in ParticipantCommand command)
    {
        Untake(command);
        QueueForBatch();
    }

    private async Task LeaveAsync()
    {
        if (!_joined) return;
        _leaving = true;
        QueueForBatch();
        _hub.Batcher.FlushNow();
        // Bounded: the participant still goes stale and is dropped by its cells if the cluster never takes the leave.
        var done = await Task.WhenAny(_left.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        if (done != _left.Task) LogLeaveTimedOut(UserId);
    }

    // -----------------------------------------------------------------------------------------------------------------
    // Receiving

    private async Task ReceiveLoop()
    {
        int limit = _options.MaxMessageBytes;
        byte[] small = new byte[Math.Min(SmallReceiveBuffer, limit + 1)];
        byte[] buffer = small;
        try
        {
            while (true)
            {
                int length = 0;
                long discarded = 0;
                bool oversize = false;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (!oversize && length == buffer.Length)
                    {
                        // A long message: move to a pooled buffer of the full limit (plus one byte to notice excess).
                        var larger = ArrayPool<byte>.Shared.Rent(limit + 1);
                        buffer.AsSpan(0, length).CopyTo(larger);
                        if (!ReferenceEquals(buffer, small)) ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    // Past the limit, keep reading over the buffer only to find the end of the message.
                    var target = oversize ? buffer.AsMemory() : buffer.AsMemory(length, Math.Min(buffer.Length, limit + 1) - length);
                    result = await _socket.ReceiveAsync(target, _abort.Token);
                    if (result.MessageType == WebSocketMessageType.Close) return;
                    // The message's clock starts with its first part (a message in one frame never starts it).
                    if (!result.EndOfMessage && Volatile.Read(ref _messageStartedMs) == 0)
                        Volatile.Write(ref _messageStartedMs, Math.Max(1, Environment.TickCount64));
                    if (!oversize)
                    {
                        length += result.Count;
                        if (length > limit) oversize = true;
                    }
                    else if ((discarded += result.Count) > _options.OversizeCloseBytes - limit - 1)
                    {
                        // Far over the limit: answered, closed with 1009, and nothing more is read from this peer.
                        Fail(ErrorCodes.MessageTooLarge, $"Messages are limited to {limit} bytes; this one passed {_options.OversizeCloseBytes} bytes.", null, null);
                        _counters.SessionCut("message_too_big");
                        RequestClose(WebSocketCloseStatus.MessageTooBig, "message far too large");
                        return;
                    }
                } while (!result.EndOfMessage);
                Volatile.Write(ref _messageStartedMs, 0);

                try
                {
                    if (Volatile.Read(ref _closeRequested) != 0) continue; // closing: read until the peer's close, apply nothing more
                    Volatile.Write(ref _lastReceivedMs, Environment.TickCount64);
                    if (!_messages.TryTake())
                    {
                        Fail(ErrorCodes.RateLimited, $"More than {_options.MaxMessagesPerSecond} messages per second.", null, null);
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
                    // Announce the handling, then look for a drain (Drain does the reverse): at least one side sees the
                    // other, so a message is either left unapplied (the client resends what was not acked) or answered
                    // before the close frame.
                    Interlocked.Exchange(ref _handling, 1);
                    bool done = false;
                    long handlingStart = Environment.TickCount64;
                    try
                    {
                        if (Interlocked.CompareExchange(ref _draining, 0, 0) == 0) done = await HandleAsync(buffer.AsMemory(0, length));
                    }
                    finally
                    {
                        // Nothing is read while a message is handled: messages sent meanwhile are not the client's burst.
                        _messages.CreditServerTime(Environment.TickCount64 - handlingStart);
                        // Nor is the client silent while the server handles its message: the idle clock starts again.
                        Volatile.Write(ref _lastReceivedMs, Environment.TickCount64);
                        Interlocked.Exchange(ref _handling, 0);
                        if (Interlocked.CompareExchange(ref _draining, 0, 0) == 1) RequestClose(ServiceRestart, "service restart");
                    }
                    if (done) return;
                }
                finally
                {
                    if (!ReferenceEquals(buffer, small))
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = small;
                    }
                }
            }
        }
        finally
        {
            if (!ReferenceEquals(buffer, small)) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Answers an error; a client over its error budget is closed with 1008. The server's own failures are never charged.</summary>
    private void Fail(string code, string message, string? field, string? type)
    {
        _counters.Error(code);
        Reply(ServerMessages.Error(code, message, field, type), "error");
        if (code != ErrorCodes.Unavailable && code != ErrorCodes.RateLimited && !_errors.TryTake())
        {
            _counters.Error(ErrorCodes.RateLimited);
            Reply(ServerMessages.Error(ErrorCodes.RateLimited, $"More than {_options.MaxErrorsPerMinute} errors per minute."), "error");
            RequestClose(WebSocketCloseStatus.PolicyViolation, "error budget exceeded");
        }
    }

    /// <summary>Handles one text message; true when the session should end.</summary>
    private async Task<bool> HandleAsync(ReadOnlyMemory<byte> utf8)
    {
        ClientMessage message;
        try
        {
            message = ClientMessageParser.Parse(utf8, _hub.Geometry.Config, new StreamOrigin(_sessionId, Authenticated ? Subject : null));
        }
        catch (ProtocolException e)
        {
            Fail(e.Code, e.Message, e.Field, null);
            return false;
        }
        _counters.MessageIn(message.Type);
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
        catch (Exception e) when (e is not OperationCanceledException || !_abort.IsCancellationRequested)
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
                // The parser stamped it with this session and its subject already.
                var update = m.Update;
                if (!_joined && update.X is null && _initialPosition is { } p)
                    update = update with { X = p.X, Y = p.Y };
                // Only the latest state matters: it waits in this session's slot for the space's next batch, so the
                // receive loop never waits on the cluster and a burst collapses into one command.
                _joined = true;
                Volatile.Write(ref _streamSlot, update);
                QueueForBatch();
                return false;
            }
            case HeartbeatMessage m:
                // The keep-alive is queued before the ack goes out, so an acked heartbeat is always in the next batch.
                if (_joined)
                {
                    Volatile.Write(ref _touchSlot, 1);
                    QueueForBatch();
                }
                Reply(ServerMessages.HeartbeatAck(m.Timestamp), "heartbeat_ack");
                return false;
            case QuantumEntangleMessage m:
            {
                if (!_joined) throw new ProtocolException(ErrorCodes.NotJoined, "Send harmonic_stream first: only participants entangle.");
                if (m.Target == UserId) throw new ProtocolException(ErrorCodes.InvalidValue, "A node cannot entangle with itself.", "entanglementTarget");
                // The participant must exist before it can ask: the batch holding its first update goes first.
                await WhenAppliedAsync();
                var node = _grains.GetGrain<INodeGrain>(UserId);
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
                // Owned by the subject, never by the public id: only the same subject can change or dissolve it later.
                var node = await _grains.GetGrain<INodeGrain>(id).Crystallize(Space, m.Update with { Owner = Subject });
                Reply(ServerMessages.MemoryCrystallized(node), "memory_crystallized");
                return false;
            }
            case MemoryDissolveMessage m:
                await _grains.GetGrain<INodeGrain>(m.MemoryId).Dissolve(Subject);
                Reply(ServerMessages.MemoryDissolved(m.MemoryId), "memory_dissolved");
                return false;
            case RefreshMessage m:
            {
                if (!Authenticated || Tokens is null)
                    throw new ProtocolException(ErrorCodes.Forbidden, "An anonymous session has no token to renew; connect with one.", "accessToken");
                if (await Tokens.ValidateAsync(m.AccessToken) is not { } valid)
                    throw new ProtocolException(ErrorCodes.Unauthorized, "The access token is not valid (malformed, wrongly signed or expired).", "accessToken");
                if (valid.Subject != Subject)
                    throw new ProtocolException(ErrorCodes.Forbidden, "The access token is for another subject than this session's.", "accessToken");
                Interlocked.Exchange(ref _tokenExpiresTicks, valid.ExpiresUtc.Ticks);
                Reply(ServerMessages.TokenRefreshed(valid.ExpiresUtc), "token_refreshed");
                return false;
            }
            case ConsciousnessEventMessage m:
            {
                // Stored under the subject; relayed under the public id (others never see the subject).
                var e = m.ToSpaceEvent(m.EventId ?? Guid.NewGuid(), Subject);
                try
                {
                    await _events.AppendAsync(new EventRecord(Space, e), _abort.Token);
                }
                catch (UnauthorizedAccessException)
                {
                    // The subject was erased (on another gateway, with a still valid access token): nothing is stored.
                    throw new ProtocolException(ErrorCodes.Forbidden, "This identity is erased; its events are not stored.");
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
                {
                    LogStoreFailed(UserId, ex);
                    throw new ProtocolException(ErrorCodes.Unavailable, "The event could not be stored; retry.");
                }
                if (m.AckId is { } ackId) Reply(ServerMessages.Ack(ackId, e.EventId), "ack");
                _hub.Relay(e with { UserId = UserId }, Authenticated ? Subject : null);
                return false;
            }
            case SubscribeFieldMessage m:
                await _hub.EnsureCellsAsync(m.Subscription, TimeSpan.Zero);
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

    /// <summary>True while this session has a participant command not yet taken or not yet answered.</summary>
    private bool HasPendingCommand => _inBatch || Volatile.Read(ref _queued) == 1 || Volatile.Read(ref _streamSlot) is not null;

    /// <summary>Waits (bounded) until the stream updates sent so far are applied, e.g. before asking to entangle.</summary>
    private async Task WhenAppliedAsync()
    {
        Task wait;
        lock (_appliedGate)
        {
            if (!HasPendingCommand) return;
            wait = (_applied ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        _hub.Batcher.FlushNow();
        await wait.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }

    /// <summary>
    /// Tells the subject which node is its participant here (its pseudonym), so its preferences, export and erasure reach
    /// it. Off the session's path and best-effort: the node reads the subject's preferences by itself on activation, and
    /// a failure (the database is down) is retried by the next session in this space.
    /// </summary>
    private async Task JoinSubjectAsync()
    {
        try
        {
            await _grains.GetGrain<ISubjectGrain>(Subject).JoinParticipant(UserId, Space);
        }
        catch (InvalidOperationException)
        {
            // The subject is erased: its access token (short-lived, not yet expired) is void.
            RequestClose(IdentityErased, "identity erased");
        }
        catch (Exception e)
        {
            LogJoinSubjectFailed(UserId, Space, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {UserId} in {Space}: its subject could not record the participant")]
    private partial void LogJoinSubjectFailed(Guid userId, string space, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {UserId} in {Space} silent for {Seconds} s; closing")]
    private partial void LogIdle(Guid userId, string space, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {UserId} in {Space}: a write waited {Seconds} s for the client to read; dropping the connection")]
    private partial void LogSendTimeout(Guid userId, string space, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {UserId} in {Space} left a message unfinished for {Seconds} s; closing")]
    private partial void LogMessageTimeout(Guid userId, string space, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {UserId} in {Space} left a ping unanswered for {Seconds} s (it does not read); closing with 4408")]
    private partial void LogPingUnanswered(Guid userId, string space, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {UserId} in {Space}: access token expired without a refresh; closing")]
    private partial void LogTokenExpired(Guid userId, string space);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {UserId} in {Space} is too slow for its replies; closing")]
    private partial void LogTooSlow(Guid userId, string space);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The leave of participant {UserId} was not confirmed in time; its cells drop it once stale")]
    private partial void LogLeaveTimedOut(Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying {Type} for {UserId} failed")]
    private partial void LogApplyFailed(string type, Guid userId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stream update of {UserId} failed in the cluster: {Reason}")]
    private partial void LogStreamFailed(Guid userId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing an event of {UserId} failed")]
    private partial void LogStoreFailed(Guid userId, Exception exception);
}
