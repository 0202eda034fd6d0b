using System.Diagnostics;
using System.Text.Json;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;
using Resonance.Tests.Processes;
using Xunit.Abstractions;

namespace Resonance.Tests.Reliability;

/// <summary>
/// The embedded default is killed with SIGKILL while clients write events and memory nodes, 20 times, restarting on the
/// same data directory: the SQLite files pass <c>PRAGMA integrity_check</c> after every kill, and every acked event and
/// every confirmed memory node is there.
/// </summary>
public sealed class CrashConsistencyTests(ITestOutputHelper output)
{
    private const string Space = "crash";
    private const int Kills = 20;

    [Fact]
    public async Task Reliability_kill_9_during_writes_20_times_keeps_the_sqlite_files_sound_and_everything_acked()
    {
        var data = Directory.CreateTempSubdirectory("resonance-crash-").FullName;
        var acked = new HashSet<Guid>();
        var memories = new List<Guid>();
        var starts = new List<long>();
        GatewayProcess? server = null;
        try
        {
            for (int round = 0; round <= Kills; round++)
            {
                var startClock = Stopwatch.StartNew();
                server = await GatewayProcess.StartAsync(data);
                starts.Add(startClock.ElapsedMilliseconds);
                if (round == Kills) break;

                var clock = Stopwatch.StartNew();
                var ws = new Uri(server.WebSocket + $"?space={Space}");
                var clients = new List<EventClient>();
                for (int k = 0; k < 4; k++) clients.Add(await EventClient.ConnectAsync(ws, clock));
                foreach (var c in clients) c.Start();
                var memo = await WsClient.ConnectAsync(ws);
                await memo.WaitForTypeAsync("connection_established");
                var confirmed = new List<Guid>();
                using var stopMemo = new CancellationTokenSource();
                var crystallising = Task.Run(async () =>
                {
                    try
                    {
                        while (!stopMemo.IsCancellationRequested)
                        {
                            var id = Guid.NewGuid();
                            await memo.SendAsync(new { type = "memory_crystallize", memoryId = id, x = 1 + (confirmed.Count * 7 % 28), y = 1 + (round % 28), harmonic = 3, influence = 0.4 });
                            var answer = await memo.WaitForAsync(m => m.Type is "memory_crystallized" or "error", TimeSpan.FromSeconds(30), "a memory answer");
                            if (answer.Type == "memory_crystallized") lock (confirmed) confirmed.Add(id);
                            await Task.Delay(50, CancellationToken.None); // the pace of this client
                        }
                    }
                    catch (Exception) { /* the kill cuts the connection */ }
                });

                // Kill while the writes run: after a varying number of acks, so the kill lands at different points.
                int target = 10 + 7 * round % 25;
                await Eventually.Until(() => Task.FromResult(clients.Sum(c => c.Acked.Count)), n => n >= target, TimeSpan.FromSeconds(60), "acks before the kill");
                await Eventually.Until(() => Task.FromResult(confirmed.Count), n => n >= 1, TimeSpan.FromSeconds(60), "a memory node before the kill");
                await server.KillAsync();
                stopMemo.Cancel();
                await crystallising;
                foreach (var c in clients)
                {
                    acked.UnionWith(c.Acked.Keys);
                    Assert.DoesNotContain(c.Problems, p => !p.StartsWith("send failed", StringComparison.Ordinal)); // the kill cuts sends
                    await c.DisposeAsync();
                }
                await memo.DisposeAsync();
                lock (confirmed) memories.AddRange(confirmed);
                await server.DisposeAsync();
                server = null;

                Assert.Equal("ok", SqliteFiles.IntegrityCheck(Path.Combine(data, "events.db")));
                Assert.Equal("ok", SqliteFiles.IntegrityCheck(Path.Combine(data, "grains.db")));
                var stored = SqliteFiles.EventIds(Path.Combine(data, "events.db"), Space);
                var missing = acked.Where(id => !stored.ContainsKey(id)).ToList();
                Assert.True(missing.Count == 0, $"round {round}: {missing.Count} acked events are missing after the kill");
                Assert.All(stored, kv => Assert.Equal(1, kv.Value));
            }
            // Every confirmed memory node is in the field: its cells stored it before it was confirmed. Asked before
            // anything activates the nodes themselves (an activated memory node puts itself back into its cells).
            int unlisted = await UnlistedMemories(server!, memories);
            Assert.True(unlisted == 0, $"{unlisted} of {memories.Count} confirmed memory nodes are not listed by their cells after the kills");
            // And each is stored: asked through an Orleans client of the last server's silo.
            var settings = new Dictionary<string, string?> { ["Resonance:Gateway:Mode"] = "client", ["Resonance:Silo:GatewayPort"] = server!.SiloGatewayPort.ToString() };
            await using (var client = await GatewayHost.StartAsync(settings))
            {
                foreach (var id in memories)
                {
                    var node = await client.Grains.GetGrain<INodeGrain>(id).GetSnapshot();
                    Assert.True(node is { Live: true, Kind: NodeKind.Memory }, $"confirmed memory node {id} is gone");
                }
            }
            output.WriteLine($"{Kills} kills: {acked.Count} acked events and {memories.Count} memory nodes all present; " +
                             $"restart to healthy: median {starts.Order().ElementAt(starts.Count / 2)} ms, longest {starts.Max()} ms");
        }
        finally
        {
            if (server is not null) await server.DisposeAsync();
            GatewayHost.DeleteData(data);
        }
    }

    private static async Task<int> UnlistedMemories(GatewayProcess server, List<Guid> memories)
    {
        using var http = new HttpClient { BaseAddress = server.Http };
        var nodes = JsonDocument.Parse(await http.GetStringAsync($"/api/spaces/{Space}/nodes")).RootElement.GetProperty("nodes");
        var ids = nodes.EnumerateArray().Select(n => n.GetProperty("id").GetGuid()).ToHashSet();
        return memories.Count(id => !ids.Contains(id));
    }
}
