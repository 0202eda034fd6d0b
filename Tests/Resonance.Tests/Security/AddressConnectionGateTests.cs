using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Resonance.Gateway.Auth;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Security;

/// <summary>The TCP connection cap per address: a flood from one address is held and closed before any HTTP is read.</summary>
public sealed class AddressConnectionGateTests
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET /healthz HTTP/1.1\r\nHost: gate\r\n\r\n");

    /// <summary>Sends one request on <paramref name="client"/> and returns what came back before the response's end or EOF.</summary>
    private static async Task<string> AskAsync(TcpClient client)
    {
        var stream = client.GetStream();
        await stream.WriteAsync(Request);
        var buffer = new byte[4096];
        var text = new StringBuilder();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            int n;
            try
            {
                n = await stream.ReadAsync(buffer, deadline.Token);
            }
            catch (IOException)
            {
                n = 0; // reset: as closed
            }
            if (n == 0) return text.ToString();
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
            string s = text.ToString();
            int headersEnd = s.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headersEnd >= 0)
            {
                var headers = s[..headersEnd].Split("\r\n");
                // A chunked body ends with its last (empty) chunk; otherwise Content-Length says where it ends.
                if (headers.Any(l => l.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && l.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
                {
                    if (s.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal) || s[(headersEnd + 4)..].StartsWith("0\r\n\r\n", StringComparison.Ordinal)) return s;
                    continue;
                }
                var length = headers.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                int body = length is null ? 0 : int.Parse(length["Content-Length:".Length..].Trim());
                if (s.Length - headersEnd - 4 >= body) return s;
            }
        }
    }

    private static async Task<TcpClient> ConnectAsync(GatewayHost host)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, host.Http.Port);
        return client;
    }

    [Fact]
    public async Task A_connection_over_the_address_cap_is_closed_unanswered_and_a_slot_comes_back_when_one_closes()
    {
        await using var host = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Resonance:Gateway:MaxConnectionsPerAddress"] = "1",
            ["Resonance:Gateway:ConnectionsPerAddress"] = "2",
            ["Resonance:Gateway:RefusalHold"] = "00:00:00.300",
        });
        try
        {
            // Two keep-alive connections that were answered hold the address's whole share.
            using var first = await ConnectAsync(host);
            using var second = await ConnectAsync(host);
            Assert.StartsWith("HTTP/1.1 ", await AskAsync(first));
            Assert.StartsWith("HTTP/1.1 ", await AskAsync(second));

            // A third is accepted by the kernel, held as a bare socket (before Kestrel made a connection of it), and
            // closed without a byte of answer.
            using (var third = await ConnectAsync(host))
                Assert.Equal("", await AskAsync(third));
            var hold = host.App.Services.GetRequiredService<RefusalHold>();
            Assert.True(hold.HeldAtAccept >= 1, $"held at accept {hold.HeldAtAccept} of {hold.HeldTotal}");
            await Eventually.Until(() => Task.FromResult(hold.Held), held => held == 0, what: "the held socket released");

            // The answered connections still work, and once one closes a new connection is served again.
            Assert.StartsWith("HTTP/1.1 ", await AskAsync(second));
            first.Close();
            await Eventually.Until(async () =>
            {
                using var next = await ConnectAsync(host);
                return await AskAsync(next);
            }, answer => answer.StartsWith("HTTP/1.1 ", StringComparison.Ordinal), what: "a connection served after one closed");
        }
        finally
        {
            GatewayHost.DeleteData(host.DataDirectory);
        }
    }
}
