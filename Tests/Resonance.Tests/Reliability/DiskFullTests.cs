using System.Text.Json;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;
using Resonance.Tests.Processes;
using Xunit.Abstractions;

namespace Resonance.Tests.Reliability;

/// <summary>
/// The embedded default (a separate process) on a small tmpfs that fills up: events and memory nodes are answered
/// <c>unavailable</c> (nothing is acked that is not stored), the session stays open, the SQLite files stay sound, and
/// once space is back the same server acks again.
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private const string Space = "disk-full";

    [Fact]
    public async Task Reliability_a_full_disk_answers_unavailable_corrupts_nothing_and_the_server_goes_on()
    {
        var mount = Directory.CreateTempSubdirectory("resonance-diskfull-").FullName;
        var (exit, text) = await DedicatedServices.TryRun("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount);
        Assert.True(exit == 0, $"This test needs a tmpfs it can fill: `mount -t tmpfs` failed ({exit}): {text}. Run the suite as root (or with CAP_SYS_ADMIN).");
        GatewayProcess? server = null;
        try
        {
            server = await GatewayProcess.StartAsync(mount);
            await using var c = await WsClient.ConnectAsync(new Uri(server.WebSocket + $"?space={Space}"));
            await c.WaitForTypeAsync("connection_established");
            var acked = new HashSet<Guid>();
            var memories = new List<Guid>();
            string filler = new('x', 6000);
            int n = 0;

            async Task<string> SendEvent(Guid id)
            {
                await c.SendAsync(new { type = "consciousness_event", eventType = "fill", data = new { n = n++, filler }, ackId = "a", eventId = id });
                var answer = await c.WaitForAsync(m => m.Type == "ack" || (m.Type == "error" && m.Json.GetProperty("ref").GetString() == "consciousness_event"), TimeSpan.FromSeconds(30), "an event answer");
                if (answer.Type == "ack")
                {
                    Assert.Equal(id, answer.Json.GetProperty("eventId").GetGuid());
                    acked.Add(id);
                    return "ack";
                }
                return answer.Json.GetProperty("code").GetString()!;
            }
            async Task<string> Crystallize(Guid id)
            {
                await c.SendAsync(new { type = "memory_crystallize", memoryId = id, x = 3 + memories.Count % 20, y = 4.0, harmonic = 2, influence = 0.5, content = filler[..1500] });
                var answer = await c.WaitForAsync(m => m.Type == "memory_crystallized" || (m.Type == "error" && m.Json.GetProperty("ref").GetString() == "memory_crystallize"), TimeSpan.FromSeconds(30), "a memory answer");
                if (answer.Type == "memory_crystallized")
                {
                    memories.Add(id);
                    return "ok";
                }
                return answer.Json.GetProperty("code").GetString()!;
            }

            for (int k = 0; k < 10; k++) Assert.Equal("ack", await SendEvent(Guid.NewGuid()));
            for (int k = 0; k < 3; k++) Assert.Equal("ok", await Crystallize(Guid.NewGuid()));

            // Fill the file system to the last byte.
            string fill = Path.Combine(mount, "filler");
            await using (var f = new FileStream(fill, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                var block = new byte[64 * 1024];
                foreach (int size in new[] { 64 * 1024, 4096, 512, 1 })
                {
                    try { while (true) f.Write(block, 0, size); }
                    catch (IOException) { }
                }
            }
            output.WriteLine($"filled: {new DriveInfo(mount).AvailableFreeSpace} bytes free");

            // Events: each answer is an ack (then it is stored; checked below) or unavailable, until the store refuses.
            Guid refused = Guid.Empty;
            var codes = new List<string>();
            for (int k = 0; k < 2000 && refused == Guid.Empty; k++)
            {
                var id = Guid.NewGuid();
                string code = await SendEvent(id);
                codes.Add(code);
                if (code == "unavailable") refused = id;
                else Assert.Equal("ack", code);
            }
            Assert.True(refused != Guid.Empty, $"2000 events of 6 kB on a full disk were all acked ({string.Join(",", codes.Distinct())})");
            int ackedOnFullDisk = codes.Count(x => x == "ack");
            // Memory nodes: confirmed (and then stored) or unavailable.
            var memoryCodes = new List<string>();
            for (int k = 0; k < 20 && !memoryCodes.Contains("unavailable"); k++) memoryCodes.Add(await Crystallize(Guid.NewGuid()));
            Assert.All(memoryCodes, code => Assert.Contains(code, new[] { "ok", "unavailable" }));
            output.WriteLine($"on the full disk: {ackedOnFullDisk} events acked before the first unavailable; memory answers {string.Join(",", memoryCodes)}");
            Assert.False(c.Closed, "the session was closed on the full disk");
            Assert.False(server.HasExited, "the server exited on the full disk");

            // Space is back: the refused event (sent again, same id) and new ones are acked; memory nodes crystallise.
            File.Delete(fill);
            var recovery = System.Diagnostics.Stopwatch.StartNew();
            await Eventually.Until(() => SendEvent(refused), code => code == "ack", TimeSpan.FromSeconds(60), "the refused event acked once space is back");
            long firstAck = recovery.ElapsedMilliseconds;
            for (int k = 0; k < 10; k++) Assert.Equal("ack", await SendEvent(Guid.NewGuid()));
            await Eventually.Until(() => Crystallize(Guid.NewGuid()), code => code == "ok", TimeSpan.FromSeconds(60), "a memory node once space is back");
            output.WriteLine($"first ack {firstAck} ms after space came back");
            Assert.False(c.Closed, "the session was closed");

            // Kill (no clean shutdown), then the files: sound, every acked event stored once.
            await server.KillAsync();
            Assert.Equal("ok", SqliteFiles.IntegrityCheck(Path.Combine(mount, "events.db")));
            Assert.Equal("ok", SqliteFiles.IntegrityCheck(Path.Combine(mount, "grains.db")));
            var stored = SqliteFiles.EventIds(Path.Combine(mount, "events.db"), Space);
            Assert.All(acked, id => Assert.True(stored.ContainsKey(id), $"acked event {id} is missing"));
            Assert.All(stored, kv => Assert.Equal(1, kv.Value));

            // And the same data directory serves again, with every confirmed memory node.
            await server.DisposeAsync();
            server = await GatewayProcess.StartAsync(mount);
            var settings = new Dictionary<string, string?> { ["Resonance:Gateway:Mode"] = "client", ["Resonance:Silo:GatewayPort"] = server.SiloGatewayPort.ToString() };
            await using var client = await GatewayHost.StartAsync(settings);
            foreach (var id in memories)
                Assert.True(await client.Grains.GetGrain<INodeGrain>(id).GetSnapshot() is { Live: true, Kind: NodeKind.Memory }, $"memory node {id} is gone");
        }
        finally
        {
            if (server is not null) await server.DisposeAsync();
            await DedicatedServices.TryRun("umount", "-l", mount);
            GatewayHost.DeleteData(mount);
        }
    }
}
