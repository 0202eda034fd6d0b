using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Resonance.Tests.Browser;

/// <summary>
/// A participant on a plain WebSocket, as the mobile app would be: it streams its position and harmonics every 200 ms
/// and reads (and discards) whatever the server sends, until disposed. <see cref="MoveTo"/> changes the position it streams.
/// </summary>
public sealed class RawParticipant : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Task _sending;
    private readonly Task _receiving;

    public Guid UserId { get; }
    private (double X, double Y) _position;
    public double X => Position.X;
    public double Y => Position.Y;

    private RawParticipant(ClientWebSocket socket, Guid userId, double x, double y, double amplitude)
    {
        _socket = socket;
        UserId = userId;
        _position = (x, y);
        _sending = SendLoop(amplitude);
        _receiving = ReceiveLoop();
    }

    public static async Task<RawParticipant> ConnectAsync(Uri server, string space, double x, double y, double amplitude)
    {
        var uri = new UriBuilder(server) { Scheme = "ws", Path = "/api/harmonic-ws", Query = $"space={space}" }.Uri;
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await socket.ConnectAsync(uri, timeout.Token);
        // The first message is connection_established (sent before anything else on the session).
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var (text, _) = await ReceiveAsync(socket, buffer, timeout.Token);
            if (text is null) continue;
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.GetProperty("type").GetString() != "connection_established") continue;
            var userId = doc.RootElement.GetProperty("userId").GetGuid();
            return new RawParticipant(socket, userId, x, y, amplitude);
        }
    }

    private static async Task<(string? Text, bool Closed)> ReceiveAsync(ClientWebSocket socket, byte[] buffer, CancellationToken ct)
    {
        int length = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(length), ct);
            if (result.MessageType == WebSocketMessageType.Close) return (null, true);
            length = Math.Min(buffer.Length - 1, length + result.Count);
        } while (!result.EndOfMessage);
        return result.MessageType == WebSocketMessageType.Text ? (Encoding.UTF8.GetString(buffer, 0, length), false) : (null, false);
    }

    private async Task SendLoop(double amplitude)
    {
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
            do
            {
                (double x, double y) = Position;
                string message = JsonSerializer.Serialize(new { type = "harmonic_stream", x, y, amplitude, frequency = 528.0, phase = 0.0 });
                await SendAsync(Encoding.UTF8.GetBytes(message));
            } while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Stopped, or the server went away.
        }
    }

    private readonly Lock _positionLock = new();

    private (double X, double Y) Position
    {
        get { lock (_positionLock) return _position; }
    }

    /// <summary>Streams (x, y) from the next tick on.</summary>
    public void MoveTo(double x, double y)
    {
        lock (_positionLock) _position = (x, y);
    }

    /// <summary>Asks to entangle with another node (a pair forms once both sides asked).</summary>
    public Task RequestEntanglementAsync(Guid target) =>
        SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = "quantum_entangle", entanglementTarget = target })));

    private async Task SendAsync(byte[] payload)
    {
        // One send at a time on a WebSocket.
        await _sendLock.WaitAsync(_stop.Token);
        try
        {
            await _socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, _stop.Token);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!(await ReceiveAsync(_socket, buffer, _stop.Token)).Closed)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Stopped, or the server went away.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_sending, _receiving);
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
                // Best effort.
            }
        }
        _socket.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }
}
