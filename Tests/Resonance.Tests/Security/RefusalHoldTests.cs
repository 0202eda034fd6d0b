using System.Net;
using System.Net.Sockets;
using Resonance.Gateway.Auth;
using Resonance.Tests.Cluster;

namespace Resonance.Tests.Security;

/// <summary>Refused sockets held before they are closed: bounded in number, closed unanswered once their hold is over.</summary>
public sealed class RefusalHoldTests : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusalHoldTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>A connected pair: the client's end, and the server's end as it was accepted.</summary>
    private async Task<(TcpClient Client, Socket Accepted)> ConnectAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync((IPEndPoint)_listener.LocalEndPoint!);
        return (client, await _listener.AcceptAsync());
    }

    /// <summary>Reads until EOF or reset (true), or false when the socket is still open at the deadline.</summary>
    private static async Task<bool> ClosedWithinAsync(TcpClient client, TimeSpan deadline)
    {
        using var cts = new CancellationTokenSource(deadline);
        var buffer = new byte[64];
        try
        {
            while (await client.GetStream().ReadAsync(buffer, cts.Token) > 0)
            {
                // The server never answers a held socket, so any byte is a failure of the hold.
                throw new InvalidOperationException("a held socket was answered");
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_held_socket_stays_open_for_its_hold_and_is_then_closed_unanswered()
    {
        using var hold = new RefusalHold(TimeSpan.FromSeconds(2), maxHeld: 10);
        var (client, accepted) = await ConnectAsync();
        using (client)
        {
            hold.Hold(accepted);
            Assert.Equal(1, hold.Held);
            Assert.Equal(1, hold.HeldAtAccept);
            // The shortest hold is half the configured one: the socket is still open well before that.
            Assert.False(await ClosedWithinAsync(client, TimeSpan.FromMilliseconds(300)));
            Assert.True(await ClosedWithinAsync(client, TimeSpan.FromSeconds(30)));
            await Eventually.Until(() => Task.FromResult(hold.Held), held => held == 0, what: "the slot given back");
        }
    }

    [Fact]
    public async Task Beyond_the_maximum_a_refused_socket_is_closed_at_once_and_the_held_ones_stay()
    {
        using var hold = new RefusalHold(TimeSpan.FromMinutes(5), maxHeld: 2);
        var pairs = new List<(TcpClient Client, Socket Accepted)>();
        try
        {
            for (int i = 0; i < 3; i++) pairs.Add(await ConnectAsync());
            foreach (var (_, accepted) in pairs) hold.Hold(accepted);

            Assert.Equal(2, hold.Held);
            Assert.Equal(2, hold.HeldTotal);
            Assert.True(await ClosedWithinAsync(pairs[2].Client, TimeSpan.FromSeconds(30)), "the third socket, over the maximum, was not closed");
            Assert.False(await ClosedWithinAsync(pairs[0].Client, TimeSpan.FromMilliseconds(200)));
            Assert.False(await ClosedWithinAsync(pairs[1].Client, TimeSpan.FromMilliseconds(200)));

            // Disposing the hold (the gateway stopping) closes what it still holds.
            hold.Dispose();
            Assert.Equal(0, hold.Held);
            Assert.True(await ClosedWithinAsync(pairs[0].Client, TimeSpan.FromSeconds(30)));
            Assert.True(await ClosedWithinAsync(pairs[1].Client, TimeSpan.FromSeconds(30)));
        }
        finally
        {
            foreach (var (client, _) in pairs) client.Dispose();
        }
    }

    [Fact]
    public async Task With_the_hold_off_a_refused_socket_is_closed_at_once()
    {
        using var hold = new RefusalHold(TimeSpan.Zero, maxHeld: 10);
        var (client, accepted) = await ConnectAsync();
        using (client)
        {
            hold.Hold(accepted);
            Assert.Equal(0, hold.HeldTotal);
            Assert.True(await ClosedWithinAsync(client, TimeSpan.FromSeconds(30)));
        }
    }
}
