using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Resonance.Tests.Containers;

/// <summary>
/// A participant as the app behaves: streams <c>harmonic_stream</c> from a fixed place every 100 ms, sends acked
/// <c>consciousness_event</c>s, crystallises memory nodes; when its socket dies (gateway killed, drained with 1012, or
/// closed) it reconnects through the same address as the same user and resends what was not acknowledged: events with
/// the same <c>ackId</c> (and a client <c>eventId</c>, for a gateway that takes one), memory nodes with the same
/// <c>memoryId</c>.
/// </summary>
public sealed class ReconnectingClient : IAsyncDisposable
{
    public sealed record SentEvent(string AckId, Guid ClientEventId, long Seq);

    private readonly Uri _base;
    private Uri? _uri;
    private readonly Stopwatch _clock;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, SentEvent> _pending = new();
    private readonly ConcurrentDictionary<Guid, (double X, double Y, double S)> _pendingMemories = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _memoryReplies = new();
    private readonly List<long> _updates = [];
    private readonly List<string> _closes = [];
    private readonly List<string> _errors = [];
    // Set by an `unavailable` answer (the cluster could not complete a request): the send loop resends what is pending.
    private int _retry;
    private ClientWebSocket? _socket;
    private Task _running = Task.CompletedTask;
    private long _seq;
    private int _connections;

    public int Index { get; }
    /// <summary>The identity's subject (issued by the cluster on first connect; every reconnect uses its token).</summary>
    public Guid UserId { get; private set; }
    public double X { get; }
    public double Y { get; }
    public double Amplitude { get; }
    public double Frequency => 2 + Index;

    /// <summary>While set, a new event goes out with every stream update.</summary>
    public volatile bool SendEvents = true;

    /// <summary>ackId -> the eventId the gateway acknowledged it with (the first ack; a resend may be acked again).</summary>
    public ConcurrentDictionary<string, Guid> Acked { get; } = new();

    /// <summary>Acks of an ackId already acked (the ack of the first send was lost with its socket).</summary>
    public ConcurrentBag<(string AckId, Guid EventId)> ReAcked { get; } = [];

    /// <summary>Events sent (once or more) whose ack has not arrived.</summary>
    public int Pending => _pending.Count;

    public int PendingMemories => _pendingMemories.Count;
    public long Sent => Interlocked.Read(ref _seq);
    public int Connections => Volatile.Read(ref _connections);
    public int Resent { get; private set; }
    public bool Open => _socket?.State == WebSocketState.Open;

    public ReconnectingClient(int index, Uri uri, Stopwatch clock, double x, double y, double amplitude)
    {
        Index = index;
        _base = uri;
        _clock = clock;
        X = x;
        Y = y;
        Amplitude = amplitude;
    }

    public void Start() => _running = Task.Run(RunAsync);

    /// <summary>Times (ms on the shared clock) at which resonance_updates arrived.</summary>
    public long[] UpdateTimes()
    {
        lock (_updates) return [.. _updates];
    }

    public string[] Closes()
    {
        lock (_closes) return [.. _closes];
    }

    public string[] Errors()
    {
        lock (_errors) return [.. _errors];
    }

    /// <summary>Crystallises a memory node and waits for its <c>memory_crystallized</c> (resent after a reconnect).</summary>
    public async Task CrystallizeAsync(Guid id, double x, double y, double s, TimeSpan timeout)
    {
        var reply = _memoryReplies.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _pendingMemories[id] = (x, y, s);
        try
        {
            await SendAsync(_socket, CrystallizeMessage(id, x, y, s));
        }
        catch (Exception) { } // resent once reconnected
        await reply.Task.WaitAsync(timeout);
    }

    private static object CrystallizeMessage(Guid id, double x, double y, double s) =>
        new { type = "memory_crystallize", memoryId = id, x, y, harmonic = 100.0, influence = s, content = $"memory {id:N}" };

    private object Stream() => new { type = "harmonic_stream", frequency = Frequency, amplitude = Amplitude, phase = 0.0, x = X, y = Y };

    private static object Event(SentEvent e) =>
        new { type = "consciousness_event", eventType = "pulse", data = new { key = e.AckId, seq = e.Seq }, ackId = e.AckId, eventId = e.ClientEventId };

    private async Task<Uri> IdentityUriAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{_base.Authority}") };
        using var response = await http.PostAsync("/api/identities", null, ct);
        response.EnsureSuccessStatusCode();
        var identity = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
        UserId = identity.GetProperty("userId").GetGuid();
        var token = Uri.EscapeDataString(identity.GetProperty("accessToken").GetString()!);
        return new Uri(_base + (_base.Query.Length == 0 ? "?" : "&") + $"userId={UserId}&access_token={token}");
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = new ClientWebSocket();
            try
            {
                using (var connect = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                {
                    connect.CancelAfter(TimeSpan.FromSeconds(5));
                    // The same user on every connection: by its token (the manifests refuse anonymous clients).
                    _uri ??= await IdentityUriAsync(connect.Token);
                    await socket.ConnectAsync(_uri, connect.Token);
                }
                _socket = socket;
                Interlocked.Increment(ref _connections);
                var receiving = Task.Run(() => ReceiveAsync(socket));
                // Whatever is unacknowledged goes again, in order (same ackId, same client event id / memory id).
                foreach (var e in _pending.Values.OrderBy(e => e.Seq))
                {
                    await SendAsync(socket, Event(e));
                    Resent++;
                }
                foreach (var (id, m) in _pendingMemories) await SendAsync(socket, CrystallizeMessage(id, m.X, m.Y, m.S));
                while (!_stop.IsCancellationRequested && !receiving.IsCompleted)
                {
                    // As the protocol asks: after `unavailable`, retry (same ackId, same event id / memory id).
                    if (Interlocked.Exchange(ref _retry, 0) == 1)
                    {
                        foreach (var e in _pending.Values.OrderBy(e => e.Seq))
                        {
                            await SendAsync(socket, Event(e));
                            Resent++;
                        }
                        foreach (var (id, m) in _pendingMemories) await SendAsync(socket, CrystallizeMessage(id, m.X, m.Y, m.S));
                    }
                    await SendAsync(socket, Stream());
                    if (SendEvents)
                    {
                        long n = Interlocked.Increment(ref _seq);
                        var e = new SentEvent($"c{Index}-{n}", Guid.NewGuid(), n);
                        ClientEventIds[e.AckId] = e.ClientEventId;
                        _pending[e.AckId] = e;
                        await SendAsync(socket, Event(e));
                    }
                    await Task.WhenAny(receiving, Task.Delay(100, _stop.Token));
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
            catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                lock (_closes) _closes.Add($"{_clock.ElapsedMilliseconds} ms: {e.GetType().Name} {e.Message}");
            }
            socket.Abort();
            socket.Dispose();
            if (!_stop.IsCancellationRequested)
                try
                {
                    await Task.Delay(200, _stop.Token); // reconnect backoff
                }
                catch (OperationCanceledException) { }
        }
    }

    private async Task SendAsync(ClientWebSocket? socket, object message)
    {
        if (socket is null || socket.State != WebSocketState.Open) throw new WebSocketException("not connected");
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(message);
        await _send.WaitAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.SendAsync(bytes, WebSocketMessageType.Text, true, timeout.Token);
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[1 << 16];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                ValueWebSocketReceiveResult r;
                do
                {
                    r = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                    if (r.MessageType == WebSocketMessageType.Close)
                    {
                        lock (_closes) _closes.Add($"{_clock.ElapsedMilliseconds} ms: close {(int?)socket.CloseStatus} {socket.CloseStatusDescription}");
                        return;
                    }
                    message.Write(buffer, 0, r.Count);
                } while (!r.EndOfMessage);
                if (r.MessageType == WebSocketMessageType.Text) Handle(message.ToArray());
            }
        }
        catch (Exception e)
        {
            lock (_closes) _closes.Add($"{_clock.ElapsedMilliseconds} ms: abrupt ({e.GetType().Name}: {e.Message})");
        }
    }

    private void Handle(byte[] bytes)
    {
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        switch (root.GetProperty("type").GetString())
        {
            case "resonance_update":
                lock (_updates) _updates.Add(_clock.ElapsedMilliseconds);
                break;
            case "ack":
            {
                string ackId = root.GetProperty("ackId").GetString()!;
                var eventId = root.GetProperty("eventId").GetGuid();
                _pending.TryRemove(ackId, out _);
                if (!Acked.TryAdd(ackId, eventId)) ReAcked.Add((ackId, eventId));
                break;
            }
            case "memory_crystallized":
            {
                var id = root.GetProperty("memoryId").GetGuid();
                _pendingMemories.TryRemove(id, out _);
                if (_memoryReplies.TryGetValue(id, out var tcs)) tcs.TrySetResult();
                break;
            }
            case "error":
                lock (_errors) _errors.Add($"{_clock.ElapsedMilliseconds} ms: {Encoding.UTF8.GetString(bytes)}");
                if (root.TryGetProperty("code", out var code) && code.GetString() == "unavailable") Interlocked.Exchange(ref _retry, 1);
                break;
        }
    }

    /// <summary>A client event id the gateway used (it honours the client's eventId) rather than one of its own.</summary>
    public bool GatewayKeptClientEventIds(IReadOnlyDictionary<string, Guid> clientIds) =>
        Acked.Any(kv => clientIds.TryGetValue(kv.Key, out var mine) && mine == kv.Value);

    /// <summary>Every event this client created, by ackId, with the client event id it carried.</summary>
    public ConcurrentDictionary<string, Guid> ClientEventIds { get; } = new();

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception) { }
        if (_socket is { State: WebSocketState.Open } s)
            try
            {
                await s.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception) { }
        _socket?.Dispose();
        _stop.Dispose();
    }
}
