using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Resonance.Gateway.Sessions;

/// <summary>
/// Accepts a WebSocket. An HTTP/1.1 upgrade is answered here (RFC 6455 section 4.2.2) so the session owns the raw
/// connection and writes frames built once for all its clients; other requests (HTTP/2) go through ASP.NET Core's own
/// WebSocket, with the payload sent per client.
/// </summary>
public static class WebSocketHandshake
{
    // RFC 6455 section 1.3: the GUID appended to the client's key.
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public static string AcceptKey(string clientKey)
    {
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(Encoding.ASCII.GetBytes(clientKey.Trim() + AcceptGuid), hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>The session's protocol reader and where its frames go.</summary>
    public sealed record Accepted(WebSocket Socket, IFrameSink Sink, ControlFrameStream? Control);

    /// <param name="directSocket">
    /// Write frames straight to the socket (see <see cref="SocketFrameSink"/>); only valid while Kestrel schedules its
    /// continuations inline, and ignored under TLS.
    /// </param>
    /// <returns>Null when the upgrade was refused (the session limit is reached): the client has been answered 503.</returns>
    public static async Task<Accepted?> AcceptAsync(HttpContext context, bool directSocket, Func<OutboundMessage, bool> enqueueControl, int sendBufferBytes = 0)
    {
        try
        {
            return await UpgradeAsync(context, directSocket, enqueueControl, sendBufferBytes);
        }
        catch (InvalidOperationException) when (!context.Response.HasStarted)
        {
            // Kestrel refuses the upgrade once MaxConcurrentUpgradedConnections sessions are open.
            context.Response.Headers.Remove("Connection");
            context.Response.Headers.Remove("Upgrade");
            context.Response.Headers.Remove("Sec-WebSocket-Accept");
            context.Response.Headers.RetryAfter = "5";
            await Results.Problem("This gateway holds as many sessions as it may; retry later or elsewhere.",
                statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
            return null;
        }
    }

    private static async Task<Accepted> UpgradeAsync(HttpContext context, bool directSocket, Func<OutboundMessage, bool> enqueueControl, int sendBufferBytes)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        string? key = context.Request.Headers.SecWebSocketKey;
        if (upgrade is { IsUpgradableRequest: true } && !string.IsNullOrWhiteSpace(key))
        {
            context.Response.Headers.Connection = "Upgrade";
            context.Response.Headers.Upgrade = "websocket";
            context.Response.Headers.SecWebSocketAccept = AcceptKey(key);
            var transport = await upgrade.UpgradeAsync();
            BoundSendBuffer(context, sendBufferBytes);
            var control = new ControlFrameStream(transport, enqueueControl);
            // No keep-alive timer per connection: the hub's pump pings every session with one shared frame.
            var socket = WebSocket.CreateFromStream(control, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
            var raw = directSocket && !context.Request.IsHttps && context.Features.Get<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>() is null
                ? context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket : null;
            if (raw is not null)
            {
                // Non-blocking: a full send buffer returns at once and the writer finishes asynchronously.
                raw.Blocking = false;
                return new Accepted(socket, new SocketFrameSink(raw), control);
            }
            return new Accepted(socket, new StreamFrameSink(transport, context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket), control);
        }
        var ws = await context.WebSockets.AcceptWebSocketAsync();
        BoundSendBuffer(context, sendBufferBytes);
        return new Accepted(ws, new WebSocketFrameSink(ws), null);
    }

    /// <summary>A client that stops reading fills at most this much of the server's kernel memory (see GatewayOptions.SocketSendBufferBytes).</summary>
    private static void BoundSendBuffer(HttpContext context, int bytes)
    {
        if (bytes <= 0) return;
        if (context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket is { } socket)
        {
            try
            {
                socket.SendBufferSize = bytes;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Not a TCP socket we may tune: the system default stays.
            }
        }
    }
}
