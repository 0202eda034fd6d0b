using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Resonance.Tests.Gateway;

/// <summary>A real WebSocket client for tests: a background receive loop, and waits with deadlines.</summary>
public sealed class WsClient : IAsyncDisposable
{
    public sealed record Message(WebSocketMessageType Kind, byte[] Bytes)
    {
        public JsonElement Json => JsonDocument.Parse(Bytes).RootElement;
        public string? Type => Kind == WebSocketMessageType.Text && Json.TryGetProperty("type", out var t) ? t.GetString() : null;
        public override string ToString() => Kind == WebSocketMessageType.Text ? Encoding.UTF8.GetString(Bytes) : $"<binary {Bytes.Length} bytes>";
    }

    private readonly ClientWebSocket _socket = new();
    private readonly Channel<Message> _inbox = Channel.CreateUnbounded<Message>();
    private readonly List<Message> _seen = [];
    private Task _receiving = Task.CompletedTask;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;
    public WebSocketState State => _socket.State;
    public bool Closed { get; private set; }

    public static async Task<WsClient> ConnectAsync(Uri uri, bool receive = true, Action<ClientWebSocketOptions>? configure = null)
    {
        var client = new WsClient();
        configure?.Invoke(client._socket.Options);
        await client._socket.ConnectAsync(uri, CancellationToken.None);
        if (receive) client._receiving = Task.Run(client.ReceiveLoop);
        return client;
    }

    private async Task ReceiveLoop()
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
                    r = await _socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                    if (r.MessageType == WebSocketMessageType.Close)
                    {
                        Closed = true;
                        _inbox.Writer.TryComplete();
                        return;
                    }
                    message.Write(buffer, 0, r.Count);
                } while (!r.EndOfMessage);
                await _inbox.Writer.WriteAsync(new Message(r.MessageType, message.ToArray()));
            }
        }
        catch (Exception)
        {
            Closed = true;
            _inbox.Writer.TryComplete();
        }
    }

    public Task SendTextAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SendBytesAsync(byte[] bytes, WebSocketMessageType kind = WebSocketMessageType.Text) =>
        _socket.SendAsync(bytes, kind, true, CancellationToken.None);

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    /// <summary>Waits for the next message matching <paramref name="match"/>, skipping others (kept in <see cref="Seen"/>).</summary>
    public async Task<Message> WaitForAsync(Func<Message, bool> match, TimeSpan? timeout = null, string? what = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            while (true)
            {
                var m = await _inbox.Reader.ReadAsync(cts.Token);
                lock (_seen) _seen.Add(m);
                if (match(m)) return m;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No message matching {what ?? "the condition"} in time; last seen: {LastSeen()}");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"Connection closed ({_socket.CloseStatus} {_socket.CloseStatusDescription}) while waiting for {what}; last seen: {LastSeen()}");
        }
    }

    public Task<Message> WaitForTypeAsync(string type, TimeSpan? timeout = null) =>
        WaitForAsync(m => m.Kind == WebSocketMessageType.Text && m.Type == type, timeout, type);

    public Task<Message> WaitForBinaryAsync(TimeSpan? timeout = null) =>
        WaitForAsync(m => m.Kind == WebSocketMessageType.Binary, timeout, "a binary message");

    /// <summary>Moves every message received so far into <see cref="Seen"/> without waiting.</summary>
    public IReadOnlyList<Message> DrainReceived()
    {
        while (_inbox.Reader.TryRead(out var m))
            lock (_seen) _seen.Add(m);
        return Seen;
    }

    public IReadOnlyList<Message> Seen
    {
        get { lock (_seen) return [.. _seen]; }
    }

    private string LastSeen()
    {
        lock (_seen) return string.Join(" | ", _seen.TakeLast(3).Select(m => m.ToString().Length > 300 ? m.ToString()[..300] : m.ToString()));
    }

    /// <summary>Waits until the server closed the connection.</summary>
    public async Task WaitClosedAsync(TimeSpan? timeout = null)
    {
        await _receiving.WaitAsync(timeout ?? TimeSpan.FromSeconds(15));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
            await _receiving.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
        }
        _socket.Dispose();
    }
}
