using System.Diagnostics;
using System.Net.WebSockets;
using Npgsql;
using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Spaces;
using Resonance.Tests.Cluster;
using Resonance.Tests.Field;
using Resonance.Tests.Gateway;
using Resonance.Tests.Services;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Resonance.Tests.Processes;

/// <summary>
/// Three real silo processes with Redis membership and PostgreSQL state, and a client-mode gateway; one silo is killed
/// with SIGKILL while clients stream and send acked events. Nothing acknowledged is lost, memory nodes come back, the
/// field is whole again and the streams resume.
/// </summary>
public sealed class SiloFaultTests(ITestOutputHelper output)
{
    private const string Space = "fault";

    [Fact]
    public async Task Killing_a_silo_loses_no_acked_event_and_no_memory_node_and_the_streams_resume()
    {
        string postgres = await TestServices.CreateDatabaseAsync("fault");
        var env = new Dictionary<string, string>
        {
            ["Resonance__Cluster__Redis"] = TestServices.Redis,
            ["Resonance__Cluster__ClusterId"] = $"fault-{Guid.NewGuid():N}",
            ["Resonance__Storage__Postgres"] = postgres,
            // Detect the dead silo in a few seconds rather than the production default.
            ["Resonance__Cluster__Membership__ProbeTimeout"] = "00:00:01",
            ["Resonance__Cluster__Membership__NumMissedProbesLimit"] = "2",
            ["Resonance__Cluster__Membership__NumVotesForDeathDeclaration"] = "1",
        };
        var silos = await SiloProcess.StartManyAsync(3, env);
        try
        {
            // The gateway is not told where the database is: in client mode it holds no connection, and events reach
            // the store through the silos' event log grain.
            var settings = env.Where(kv => !kv.Key.StartsWith("Resonance__Storage__", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key.Replace("__", ":"), kv => (string?)kv.Value);
            settings["Resonance:Gateway:Mode"] = "client";
            // What the gateway says about sessions and grain calls goes into the test output (a lost session explains itself).
            settings["Logging:LogLevel:Resonance"] = "Information";
            await using var gateway = await GatewayHost.StartAsync(settings, logs: new TestOutputLoggerProvider(output, LogLevel.Information));
            Assert.Null(gateway.App.Services.GetService(typeof(Resonance.Grains.Events.IEventStore)));
            var grains = gateway.Grains;
            await grains.GetGrain<ISpaceGrain>(Space).Configure(new SpaceConfig { Width = 60, Height = 60, Background = "none", Beta = 0, Clamp = false });
            var geometry = SpaceGeometry.Create(await grains.GetGrain<ISpaceGrain>(Space).GetConfig());

            // Six participants stream from fixed places; one of them also crystallises memory nodes and sends acked events.
            var random = new Random(5);
            var people = Enumerable.Range(0, 6).Select(k => (X: 5 + 9.5 * k, Y: 5 + 8.25 * k % 50, A: 0.3 + 0.1 * k)).ToArray();
            var clients = new List<WsClient>();
            foreach (var _ in people)
            {
                var c = await WsClient.ConnectAsync(new Uri(gateway.WebSocket + $"?space={Space}"));
                await c.WaitForTypeAsync("connection_established");
                clients.Add(c);
            }
            var memories = new List<(Guid Id, double X, double Y, double S)>();
            for (int k = 0; k < 8; k++)
            {
                double x = random.NextDouble() * 59, y = random.NextDouble() * 59, s = 0.2 + 0.7 * random.NextDouble();
                await clients[0].SendAsync(new { type = "memory_crystallize", x, y, harmonic = 100 + k, influence = s, content = $"m{k}" });
                memories.Add(((await clients[0].WaitForTypeAsync("memory_crystallized")).Json.GetProperty("memoryId").GetGuid(), x, y, s));
            }

            var acked = new HashSet<Guid>();
            var updateTimes = new List<long>();
            var clock = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource();
            var watcher = clients[^1];
            // A client whose session the server ends is a failure of the test; it is recorded (with the errors that
            // client saw) instead of stopping every other client's stream.
            var lost = new System.Collections.Concurrent.ConcurrentDictionary<int, string>();
            async Task Send(int k, object message)
            {
                if (lost.ContainsKey(k)) return;
                try
                {
                    await clients[k].SendAsync(message);
                }
                catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
                {
                    var errors = clients[k].Seen.Where(m => m.Type == "error").TakeLast(3).Select(m => m.ToString());
                    lost.TryAdd(k, $"client {k} at {clock.ElapsedMilliseconds} ms: {e.Message}; close {clients[k].CloseStatus}; errors: {string.Join(" | ", errors)}");
                }
            }
            var streaming = Task.Run(async () =>
            {
                int n = 0;
                while (!stop.IsCancellationRequested)
                {
                    for (int k = 0; k < clients.Count; k++)
                        await Send(k, new { type = "harmonic_stream", frequency = 2 + k, amplitude = people[k].A, phase = 0.0, x = people[k].X, y = people[k].Y });
                    for (int k = 0; k < 2; k++)
                        await Send(k, new { type = "consciousness_event", eventType = "pulse", data = new { n }, ackId = $"a{n++}" });
                    await Task.Delay(100);
                }
            });
            var watching = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        await watcher.WaitForAsync(m => m.Type == "resonance_update", TimeSpan.FromSeconds(1));
                        lock (updateTimes) updateTimes.Add(clock.ElapsedMilliseconds);
                    }
                    catch (TimeoutException) { }
                }
            });

            await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(Space).GetLatestTick(), t => t.ActiveNodes == 6 && t.MemoryNodes == 8,
                TimeSpan.FromSeconds(30), "all nodes counted before the kill");
            await Task.Delay(2000); // let the workload run (this is load, not synchronisation)
            long killedAt = clock.ElapsedMilliseconds;
            silos[1].Kill();
            output.WriteLine($"killed silo {silos[1].SiloPort} at {killedAt} ms");

            // The streams resume: updates arrive again and the space counts everyone again.
            await Eventually.Until(() => Task.FromResult(updateTimes.Count(t => t > killedAt + 1000)), n => n >= 20, TimeSpan.FromSeconds(90), "updates flowing after the kill");
            await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(Space).GetLatestTick(), t => t.ActiveNodes == 6 && t.MemoryNodes == 8 || !lost.IsEmpty,
                TimeSpan.FromSeconds(90), "all nodes counted after the kill");
            Assert.True(lost.IsEmpty, string.Join("\n", lost.Values));
            stop.Cancel();
            await streaming;
            await watching;

            long gap;
            lock (updateTimes)
            {
                var times = updateTimes.Where(t => t >= killedAt - 1000).ToList();
                gap = times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty(0).Max();
            }
            output.WriteLine($"longest gap in the resonance_update stream around the kill: {gap} ms");

            foreach (var c in clients)
                foreach (var m in c.DrainReceived().Where(m => m.Type == "ack"))
                    acked.Add(m.Json.GetProperty("eventId").GetGuid());
            Assert.True(acked.Count > 20, $"only {acked.Count} events were acked");

            // Every acked event is stored exactly once.
            await using (var connection = new NpgsqlConnection(postgres))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT id, count(*) FROM consciousness_events GROUP BY id", connection);
                var stored = new Dictionary<Guid, long>();
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync()) stored[reader.GetGuid(0)] = reader.GetInt64(1);
                var missing = acked.Where(id => !stored.ContainsKey(id)).ToList();
                Assert.True(missing.Count == 0, $"{missing.Count} acked events are missing");
                Assert.All(acked, id => Assert.Equal(1, stored[id]));
            }

            // Every memory node is back with its state.
            foreach (var (id, x, y, s) in memories)
            {
                var node = await grains.GetGrain<INodeGrain>(id).GetSnapshot();
                Assert.True(node is { Live: true, Kind: NodeKind.Memory }, $"memory node {id} is gone");
                Assert.Equal((x, y, s), (node!.X, node.Y, node.Strength));
            }

            // The field equals the reference recomputed from the persisted memory nodes and the (still streaming) participants.
            var sources = memories.Select(m => new FieldSource(m.X, m.Y, m.S, 0))
                .Concat(people.Select(p => new FieldSource(p.X, p.Y, p.A, 0))).ToList();
            var reference = ReferenceField.NodeSum(geometry.Grid, geometry.Kernel, sources);
            // Participants must stay alive while we look: keep them touched.
            var field = await Eventually.Until(async () =>
            {
                for (int k = 0; k < clients.Count; k++) await Send(k, new { type = "heartbeat" });
                return await FieldSnapshot.Assemble(grains, Space, geometry);
            }, f => FieldSnapshot.MaxAbsDiff(f, reference) <= 1e-9 || !lost.IsEmpty, TimeSpan.FromSeconds(60), "the field equal to the reference");
            Assert.True(lost.IsEmpty, string.Join("\n", lost.Values));
            Assert.True(FieldSnapshot.MaxAbsDiff(field, reference) <= 1e-9);
            Assert.All(clients, c => Assert.Equal(WebSocketState.Open, c.State));
            foreach (var c in clients) await c.DisposeAsync();
        }
        finally
        {
            foreach (var s in silos) await s.DisposeAsync();
        }
    }
}
