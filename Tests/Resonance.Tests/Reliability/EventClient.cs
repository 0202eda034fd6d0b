using System.Diagnostics;
using System.Net.WebSockets;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Reliability;

/// <summary>
/// A client that sends an acked <c>consciousness_event</c> every <see cref="Interval"/> with an <c>eventId</c> of its own
/// and behaves as the protocol asks: an <c>unavailable</c> answer means "send it again later" (same id, so it is stored
/// once). A session answers its messages in order, so each answer belongs to the oldest unanswered event; at most
/// <see cref="MaxOutstanding"/> are unanswered at once (a client does not pile up work on a stalled server).
/// </summary>
public sealed class EventClient : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private const int MaxOutstanding = 10;

    private readonly WsClient _socket;
    private readonly Stopwatch _clock;
    private readonly object _gate = new();
    private readonly Queue<Guid> _unanswered = new();
    private readonly Queue<Guid> _retry = new();
    private readonly Dictionary<Guid, long> _firstSent = [];
    private readonly Dictionary<Guid, long> _acked = [];
    private readonly List<long> _ackTimes = [];
    private readonly List<string> _problems = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _sending = Task.CompletedTask, _reading = Task.CompletedTask;
    private volatile bool _sendNew = true;
    private int _n;

    public int Unavailable { get; private set; }
    public Action<WsClient.Message, long>? OnOther { get; set; }

    private EventClient(WsClient socket, Stopwatch clock)
    {
        _socket = socket;
        _clock = clock;
    }

    public static async Task<EventClient> ConnectAsync(Uri ws, Stopwatch clock)
    {
        var socket = await WsClient.ConnectAsync(ws);
        await socket.WaitForTypeAsync("connection_established");
        return new EventClient(socket, clock);
    }

    public void Start()
    {
        _sending = Task.Run(SendLoop);
        _reading = Task.Run(ReadLoop);
    }

    /// <summary>No new events from now on; those answered <c>unavailable</c> are still sent again until acked.</summary>
    public void StopNew() => _sendNew = false;

    /// <summary>True when every event sent is acked (nothing unanswered, nothing waiting to be sent again).</summary>
    public bool Settled
    {
        get { lock (_gate) return !_sendNew && _unanswered.Count == 0 && _retry.Count == 0; }
    }

    public string Pending
    {
        get { lock (_gate) return $"{_unanswered.Count} unanswered, {_retry.Count} to resend"; }
    }

    public bool Open => !_socket.Closed && _socket.State == WebSocketState.Open;
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public IReadOnlyDictionary<Guid, long> Acked
    {
        get { lock (_gate) return new Dictionary<Guid, long>(_acked); }
    }

    public IReadOnlyList<long> AckTimes
    {
        get { lock (_gate) return [.. _ackTimes]; }
    }

    public IReadOnlyList<string> Problems
    {
        get { lock (_gate) return [.. _problems]; }
    }

    /// <summary>Longest time from an event's first send to its ack (retries included).</summary>
    public long LongestAckLatency
    {
        get { lock (_gate) return _acked.Select(kv => kv.Value - _firstSent[kv.Key]).DefaultIfEmpty(0).Max(); }
    }

    public Task SendAsync(object message) => _socket.SendAsync(message);

    private async Task SendLoop()
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            Guid id;
            lock (_gate)
            {
                if (_unanswered.Count >= MaxOutstanding) continue;
                if (!_retry.TryDequeue(out id))
                {
                    if (!_sendNew) continue;
                    id = Guid.NewGuid();
                    _firstSent[id] = _clock.ElapsedMilliseconds;
                }
                _unanswered.Enqueue(id);
            }
            try
            {
                await _socket.SendAsync(new { type = "consciousness_event", eventType = "pulse", data = new { n = _n++ }, ackId = id.ToString("N"), eventId = id });
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException)
            {
                lock (_gate) _problems.Add($"send failed: {e.Message}");
                return;
            }
        }
    }

    private async Task ReadLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            WsClient.Message m;
            try
            {
                m = await _socket.WaitForAsync(_ => true, TimeSpan.FromDays(1));
            }
            catch (InvalidOperationException)
            {
                return; // closed: the test sees it in Open / CloseStatus
            }
            long now = _clock.ElapsedMilliseconds;
            if (m.Kind != WebSocketMessageType.Text) continue;
            var json = m.Json;
            string? type = m.Type;
            if (type == "ack")
            {
                lock (_gate)
                {
                    var id = json.GetProperty("eventId").GetGuid();
                    if (!_unanswered.TryDequeue(out var expected) || expected != id || json.GetProperty("ackId").GetString() != id.ToString("N"))
                        _problems.Add($"ack out of order: {m}");
                    if (!_acked.TryAdd(id, now)) _problems.Add($"acked twice: {id}");
                    _ackTimes.Add(now);
                }
            }
            else if (type == "error" && json.TryGetProperty("ref", out var r) && r.GetString() == "consciousness_event")
            {
                string code = json.GetProperty("code").GetString()!;
                lock (_gate)
                {
                    if (!_unanswered.TryDequeue(out var id)) _problems.Add($"error without an event: {m}");
                    else if (code == "unavailable")
                    {
                        Unavailable++;
                        _retry.Enqueue(id);
                    }
                    else _problems.Add($"event {id} answered {m}");
                }
            }
            else if (type == "error")
            {
                lock (_gate) _problems.Add($"unexpected error: {m}");
            }
            else OnOther?.Invoke(m, now);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await _sending; } catch (OperationCanceledException) { }
        await _socket.DisposeAsync();
        try { await _reading.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
    }
}
