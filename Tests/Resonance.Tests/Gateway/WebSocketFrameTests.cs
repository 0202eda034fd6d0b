using System.Net.WebSockets;
using Resonance.Gateway.Sessions;

namespace Resonance.Tests.Gateway;

public sealed class WebSocketFrameTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(300_000)]
    public async Task A_frame_built_once_reads_back_through_a_real_websocket_reader(int length)
    {
        var payload = new byte[length];
        new Random(length).NextBytes(payload);
        var frame = WebSocketFrame.Frame(payload, WebSocketFrame.OpBinary);
        // .NET's own client-side protocol reader parses it: the bytes are a valid unmasked server frame.
        using var stream = new MemoryStream(frame);
        using var reader = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false });
        var buffer = new byte[length + 16];
        int read = 0;
        ValueWebSocketReceiveResult r;
        do
        {
            r = await reader.ReceiveAsync(buffer.AsMemory(read), CancellationToken.None);
            read += r.Count;
        } while (!r.EndOfMessage);
        Assert.Equal(WebSocketMessageType.Binary, r.MessageType);
        Assert.Equal(payload, buffer[..read]);
    }

    [Fact]
    public void The_accept_key_is_the_one_of_the_rfc_example()
    {
        // RFC 6455 section 1.3.
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketHandshake.AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="));
    }
}
