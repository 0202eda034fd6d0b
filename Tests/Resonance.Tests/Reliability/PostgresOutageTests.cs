using System.Diagnostics;
using Npgsql;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;
using Resonance.Tests.Processes;
using Xunit.Abstractions;

namespace Resonance.Tests.Reliability;

/// <summary>
/// The production shape (two silo processes, Redis membership, PostgreSQL state and events, a client-mode gateway)
/// loses its PostgreSQL for 20 s under load: 20 clients send an acked event every 100 ms and one crystallises memory
/// nodes. Every event is acked only once durable or answered <c>unavailable</c>; after the outage the writer and the
/// grain storage work again by themselves, nothing acked is lost or stored twice, and no session is closed.
/// </summary>
public sealed class PostgresOutageTests(ITestOutputHelper output)
{
    private const string Space = "pg-outage";
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Reliability_postgres_down_for_20_s_loses_no_acked_event_and_recovers_by_itself()
    {
        await using var services = await DedicatedServices.StartAsync();
        var env = new Dictionary<string, string>
        {
            ["Resonance__Cluster__Redis"] = services.Redis,
            ["Resonance__Cluster__ClusterId"] = $"pgout-{Guid.NewGuid():N}",
            ["Resonance__Storage__Postgres"] = services.Postgres,
        };
        var silos = await SiloProcess.StartManyAsync(2, env);
        var clients = new List<EventClient>();
        WsClient? memo = null;
        try
        {
            var settings = env.Where(kv => !kv.Key.StartsWith("Resonance__Storage__", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key.Replace("__", ":"), kv => (string?)kv.Value);
            settings["Resonance:Gateway:Mode"] = "client";
            await using var gateway = await GatewayHost.StartAsync(settings);
            var grains = gateway.Grains;
            await grains.GetGrain<ISpaceGrain>(Space).Configure(new SpaceConfig { Width = 40, Height = 40, Background = "none" });

            var clock = Stopwatch.StartNew();
            var ws = new Uri(gateway.WebSocket + $"?space={Space}");
            for (int k = 0; k < 20; k++) clients.Add(await EventClient.ConnectAsync(ws, clock));
            memo = await WsClient.ConnectAsync(ws);
            await memo.WaitForTypeAsync("connection_established");
            foreach (var c in clients) c.Start();

            // One client crystallises a memory node at a time, the whole run through.
            var memories = new List<(Guid Id, long At)>();
            var memoryErrors = new List<string>();
            using var stopMemo = new CancellationTokenSource();
            var random = new Random(12);
            // An `unavailable` answer leaves the outcome open (the node may be stored while its cell's write failed), so
            // the client resends the same memoryId until it is confirmed, as the protocol asks; the node in hand is
            // always settled before the client stops.
            var crystallising = Task.Run(async () =>
            {
                while (!stopMemo.IsCancellationRequested)
                {
                    var id = Guid.NewGuid();
                    double x = 1 + 38 * random.NextDouble(), y = 1 + 38 * random.NextDouble();
                    while (true)
                    {
                        await memo.SendAsync(new { type = "memory_crystallize", memoryId = id, x, y, harmonic = 5, influence = 0.5 });
                        var answer = await memo.WaitForAsync(m => m.Type == "memory_crystallized" || m.Type == "error", TimeSpan.FromSeconds(60), "a memory answer");
                        if (answer.Type == "memory_crystallized")
                        {
                            lock (memories) memories.Add((id, clock.ElapsedMilliseconds));
                            break;
                        }
                        lock (memories) memoryErrors.Add(answer.Json.GetProperty("code").GetString()!);
                        await Task.Delay(300, CancellationToken.None); // the client's retry pace, not synchronisation
                    }
                    await Task.Delay(300, CancellationToken.None); // the pace of this client, not synchronisation
                }
            });

            await Eventually.Until(() => Task.FromResult(clients.Sum(c => c.Acked.Count)), n => n >= 200, TimeSpan.FromSeconds(60), "acks before the outage");
            long stoppedAt = clock.ElapsedMilliseconds;
            await services.StopPostgresAsync();
            output.WriteLine($"PostgreSQL stopped at {stoppedAt} ms");
            // The outage: the load keeps running until 20 s have passed since the stop.
            var remaining = Outage - TimeSpan.FromMilliseconds(clock.ElapsedMilliseconds - stoppedAt);
            if (remaining > TimeSpan.Zero) await Task.Delay(remaining);
            long startedAt = clock.ElapsedMilliseconds;
            await services.StartPostgresAsync();
            output.WriteLine($"PostgreSQL started again at {startedAt} ms");

            // Events are acked again, and memory nodes crystallise again, without anyone restarting anything.
            await Eventually.Until(() => Task.FromResult(clients.Count(c => c.AckTimes.Any(t => t > startedAt))), n => n == clients.Count,
                TimeSpan.FromSeconds(60), "every client acked again after the outage");
            await Eventually.Until(() => Task.FromResult(memories.Count(m => m.At > startedAt)), n => n >= 3, TimeSpan.FromSeconds(60), "memory nodes crystallised again");
            stopMemo.Cancel();
            await crystallising;
            foreach (var c in clients) c.StopNew();
            await Eventually.Until(() => Task.FromResult(clients.All(c => c.Settled)), s => s, TimeSpan.FromSeconds(60),
                "every event acked in the end: " + string.Join("; ", clients.Select(c => c.Pending)));

            // Figures.
            var ackTimes = clients.SelectMany(c => c.AckTimes).Order().ToList();
            long longestGap = ackTimes.Zip(ackTimes.Skip(1), (a, b) => b - a).Max();
            long firstAfter = ackTimes.First(t => t > startedAt) - startedAt;
            long lastBefore = stoppedAt - ackTimes.Last(t => t <= stoppedAt);
            long firstMemoryAfter = memories.First(m => m.At > startedAt).At - startedAt;
            output.WriteLine($"acks: {ackTimes.Count}, unavailable answers: {clients.Sum(c => c.Unavailable)}; memory nodes: {memories.Count} crystallised, {memoryErrors.Count} refused ({string.Join(",", memoryErrors.Distinct())})");
            output.WriteLine($"ack stall: longest gap between acks {longestGap} ms (outage {Outage.TotalMilliseconds} ms); last ack {lastBefore} ms before the stop; first ack {firstAfter} ms after the start; first memory node {firstMemoryAfter} ms after the start");
            output.WriteLine($"longest first-send-to-ack latency of one event (retries included): {clients.Max(c => c.LongestAckLatency)} ms");

            Assert.All(clients, c => Assert.Empty(c.Problems));
            Assert.True(clients.Sum(c => c.Unavailable) > 0, "no event was answered unavailable while PostgreSQL was down");
            Assert.All(memoryErrors, code => Assert.Equal("unavailable", code));
            Assert.All(clients, c => Assert.True(c.Open, $"a session was closed ({c.CloseStatus})"));
            Assert.False(memo.Closed, "the memory client's session was closed");

            // Every acked event is stored exactly once, and nothing else of this space was stored.
            var acked = clients.SelectMany(c => c.Acked.Keys).ToHashSet();
            var stored = new Dictionary<Guid, long>();
            await using (var connection = new NpgsqlConnection(services.Postgres))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT id, count(*) FROM consciousness_events WHERE space = @s GROUP BY id", connection);
                command.Parameters.AddWithValue("s", Space);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync()) stored[reader.GetGuid(0)] = reader.GetInt64(1);
            }
            var missing = acked.Where(id => !stored.ContainsKey(id)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acked events are missing");
            Assert.All(stored, kv => Assert.Equal(1, kv.Value));
            Assert.Equal(acked.Count, stored.Count);

            // Every memory node that was confirmed is there, and the space counts exactly those.
            foreach (var (id, _) in memories)
            {
                var node = await grains.GetGrain<INodeGrain>(id).GetSnapshot();
                Assert.True(node is { Live: true, Kind: NodeKind.Memory }, $"memory node {id} is gone");
            }
            await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(Space).GetLatestTick(), t => t.MemoryNodes == memories.Count,
                TimeSpan.FromSeconds(30), $"the space counting the {memories.Count} memory nodes");
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
            if (memo is not null) await memo.DisposeAsync();
            foreach (var s in silos) await s.DisposeAsync();
        }
    }
}
