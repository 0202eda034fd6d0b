using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Runtime;
using Resonance.Grains;
using Resonance.Grains.Field;
using Resonance.Grains.Hosting;
using Resonance.Grains.Spaces;
using Resonance.Tests.Cluster;
using Resonance.Tests.Field;
using Resonance.Tests.Services;
using Xunit.Abstractions;

namespace Resonance.Tests.Containers;

/// <summary>
/// The production shape in containers on one host: 3 silo and 2 gateway containers of the images built from this tree
/// (<c>docker run --network host</c>), configured by the Deployments of <c>deploy/k8s/*.yaml</c>, with the suite's
/// PostgreSQL and Redis, and Debian's nginx in front of the gateways. Clients stream, crystallise memory nodes and send
/// acked events through nginx while one silo and one gateway are killed (SIGKILL) and then every silo is restarted in
/// turn (SIGTERM, leave, start). Every acked event is stored exactly once, every memory node is back, the field equals
/// the reference, and the clients are connected again through nginx.
/// </summary>
public sealed class ContainerClusterTests(ITestOutputHelper output)
{
    private const string Space = "ctr";

    private void Log(Stopwatch clock, string text) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,7:F1} s] {text}");

    [Fact]
    public async Task Killed_and_rolling_restarted_containers_lose_no_acked_event_or_memory_node_and_clients_reconnect_through_nginx()
    {
        var clock = Stopwatch.StartNew();
        var images = await Docker.EnsureImagesAsync();
        Log(clock, $"images {images.Silo}, {images.Gateway} ready in {images.Took.TotalSeconds:F1} s (built once per test run):\n{Docker.Tail(images.BuildLog, 12)}");

        string postgres = await TestServices.CreateDatabaseAsync("containers");
        string clusterId = $"ctr-{Guid.NewGuid():N}";
        // What the test changes on top of the manifests' environment (besides each container's host-network ports):
        // its own cluster id in the shared Redis, and failure detection in seconds rather than the production default.
        var overrides = new Dictionary<string, string>
        {
            ["Resonance__Cluster__ClusterId"] = clusterId,
            ["Resonance__Cluster__Membership__ProbeTimeout"] = "00:00:01",
            ["Resonance__Cluster__Membership__NumMissedProbesLimit"] = "2",
            ["Resonance__Cluster__Membership__NumVotesForDeathDeclaration"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        await using var cluster = new ContainerCluster(images, postgres, TestServices.Redis, overrides);
        var clients = new List<ReconnectingClient>();
        IHost? orleans = null;
        try
        {
            var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => cluster.StartSiloAsync()));
            Log(clock, "silos ready: " + string.Join(", ", silos.Select(s => $"{s.Name} (silo {s.SiloPort}, http {s.HttpPort})")));
            output.WriteLine("silo environment (from deploy/k8s): " + Docker.Describe(silos[0].Environment, "Resonance__Storage__Postgres"));
            Assert.Contains(silos[0].Environment, kv => kv.Key == "Resonance__Silo__AdvertisedIp" && kv.Value == "127.0.0.1");
            var gateways = new List<Container>();
            foreach (var _ in Enumerable.Range(0, 2)) gateways.Add(await cluster.StartGatewayAsync());
            output.WriteLine("gateway environment (from deploy/k8s): " + Docker.Describe(gateways[0].Environment, "Resonance__Storage__Postgres"));
            Assert.Contains(gateways[0].Environment, kv => kv.Key == "Resonance__Gateway__Mode" && kv.Value == "client");
            var nginx = await cluster.StartNginxAsync();
            Log(clock, $"gateways {string.Join(", ", gateways.Select(g => g.HttpPort))} behind nginx on {nginx.Port}");

            // The test's own Orleans client of the containerised cluster: configuration, membership and the field.
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Resonance:Cluster:Redis"] = TestServices.Redis,
                ["Resonance:Cluster:ClusterId"] = clusterId,
                ["Logging:LogLevel:Default"] = "Error",
            });
            builder.UseOrleansClient(c => c.UseResonanceCluster(builder.Configuration));
            orleans = builder.Build();
            await orleans.StartAsync();
            var grains = orleans.Services.GetRequiredService<IClusterClient>();
            var management = grains.GetGrain<IManagementGrain>(0);

            await grains.GetGrain<ISpaceGrain>(Space).Configure(new SpaceConfig { Width = 60, Height = 60, Background = "none", Beta = 0, Clamp = false });
            var geometry = SpaceGeometry.Create(await grains.GetGrain<ISpaceGrain>(Space).GetConfig());

            var uri = new Uri(nginx.WebSocket + $"?space={Space}");
            for (int k = 0; k < 6; k++)
            {
                var c = new ReconnectingClient(k, uri, clock, 5 + 9.5 * k, 5 + 8.25 * k % 50, 0.3 + 0.1 * k);
                clients.Add(c);
                c.Start();
            }
            var random = new Random(11);
            var memories = new List<(Guid Id, double X, double Y, double S)>();
            async Task Crystallize(int count)
            {
                for (int k = 0; k < count; k++)
                {
                    var m = (Id: Guid.NewGuid(), X: random.NextDouble() * 59, Y: random.NextDouble() * 59, S: 0.2 + 0.7 * random.NextDouble());
                    memories.Add(m);
                    await clients[k % clients.Count].CrystallizeAsync(m.Id, m.X, m.Y, m.S, TimeSpan.FromSeconds(90));
                }
            }
            await Crystallize(8);
            await Until(() => grains.GetGrain<ISpaceGrain>(Space).GetLatestTick(), t => t is { ActiveNodes: 6, MemoryNodes: 8 }, 60, "all nodes counted");
            await Progress(clients, clock, "before the faults");

            // 1. SIGKILL one silo and one gateway at once.
            long faultsAt = clock.ElapsedMilliseconds;
            var killedSilo = silos[1];
            var killedEntry = await Entry(management, killedSilo, SiloStatus.Active);
            await Task.WhenAll(killedSilo.KillAsync(), gateways[0].KillAsync());
            Log(clock, $"killed {killedSilo.Name} and {gateways[0].Name}");
            var dead = await Until(() => Status(management, killedEntry), e => e?.Status == SiloStatus.Dead, 90, "the killed silo declared dead");
            Log(clock, $"{killedSilo.Name} declared dead by the cluster ({dead!.SuspectTimes?.Count(v => !v.Item1.Equals(killedEntry.SiloAddress)) ?? 0} suspicion vote(s) by other silos) {clock.ElapsedMilliseconds - faultsAt} ms after the kill");
            await Crystallize(2);
            await Progress(clients, clock, "after the kills");
            Assert.True(clients.Count(c => c.Connections > 1) > 0, "no client reconnected after its gateway was killed");
            Log(clock, $"{clients.Count(c => c.Connections > 1)} of {clients.Count} clients reconnected through nginx");

            // The killed ones come back (same containers, ports and environment).
            await Task.WhenAll(killedSilo.StartAsync(), gateways[0].StartAsync());
            await Task.WhenAll(killedSilo.WaitHealthyAsync(TimeSpan.FromSeconds(90)), gateways[0].WaitHealthyAsync(TimeSpan.FromSeconds(90)));
            Log(clock, $"{killedSilo.Name} and {gateways[0].Name} started again");

            // 2. Rolling restart of the silos: SIGTERM, the silo leaves the cluster, start it again, wait until ready.
            foreach (var silo in silos)
            {
                var entry = await Entry(management, silo, SiloStatus.Active);
                // Watch the silo's membership entry while it stops: a silo that leaves announces ShuttingDown (or
                // Stopping) before Dead; a silo found dead by its peers goes from Active to Dead on their votes.
                var seen = new List<SiloStatus>();
                using var watching = new CancellationTokenSource();
                var watcher = Task.Run(async () =>
                {
                    while (!watching.IsCancellationRequested)
                    {
                        try
                        {
                            if (await Status(management, entry) is { } e && (seen.Count == 0 || seen[^1] != e.Status)) lock (seen) seen.Add(e.Status);
                        }
                        catch (Exception) { }
                        await Task.Delay(20);
                    }
                });
                var stopping = Stopwatch.StartNew();
                await silo.StopAsync();
                int exit = await silo.ExitCodeAsync();
                long stopped = stopping.ElapsedMilliseconds;
                var left = await Until(() => Status(management, entry), e => e?.Status == SiloStatus.Dead, 60, $"{silo.Name} marked dead after docker stop");
                long deadAfter = stopping.ElapsedMilliseconds;
                watching.Cancel();
                await watcher;
                // SuspectTimes lists (voter, time): a silo that leaves records its own death; others' votes mean probes found it dead.
                int votes = left!.SuspectTimes?.Count(v => !v.Item1.Equals(entry.SiloAddress)) ?? 0;
                bool announced = seen.Contains(SiloStatus.ShuttingDown) || seen.Contains(SiloStatus.Stopping);
                Log(clock, $"{silo.Name}: docker stop took {stopped} ms (exit code {exit}); membership {string.Join(" -> ", seen)}, Dead {deadAfter} ms after the stop, " +
                           $"{votes} suspicion vote(s) by other silos ({left.SuspectTimes?.Count ?? 0} in all)");
                // SIGTERM reached dotnet and the host stopped in the grace period (not SIGKILLed: 137), and the silo left
                // the cluster itself: it announced its shutdown, or nobody had to vote it dead.
                Assert.Equal(0, exit);
                Assert.True(announced || votes == 0, $"{silo.Name} did not leave: membership {string.Join(" -> ", seen)}, votes {string.Join(", ", left.SuspectTimes!)}");
                await silo.StartAsync();
                await silo.WaitHealthyAsync(TimeSpan.FromSeconds(90));
                await Entry(management, silo, SiloStatus.Active, after: entry.SiloAddress.Generation);
                await Crystallize(1);
                await Progress(clients, clock, $"after restarting {silo.Name}");
            }
            long faultsEnd = clock.ElapsedMilliseconds;

            // Drain: no new events; everything sent is acknowledged (resent where its socket died).
            foreach (var c in clients) c.SendEvents = false;
            try
            {
                await Until(() => Task.FromResult(clients.Sum(c => c.Pending + c.PendingMemories)), n => n == 0, 90, "every event and memory node acknowledged");
            }
            catch (TimeoutException)
            {
                foreach (var c in clients)
                    output.WriteLine($"client {c.Index}: {c.Pending} events and {c.PendingMemories} memories pending, open {c.Open}; closes: {string.Join(" | ", c.Closes())}; errors: {string.Join(" | ", c.Errors().TakeLast(5))}");
                throw;
            }

            // Every acked event is stored exactly once.
            var acked = clients.SelectMany(c => c.Acked).ToList();
            var stored = new Dictionary<Guid, long>();
            var byKey = new Dictionary<string, long>();
            await using (var connection = new NpgsqlConnection(postgres))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(
                    "SELECT id, count(*) FROM consciousness_events WHERE space = @space GROUP BY id", connection);
                command.Parameters.AddWithValue("space", Space);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                    stored[reader.GetGuid(0)] = stored.GetValueOrDefault(reader.GetGuid(0)) + reader.GetInt64(1);
            }
            // Payloads are sealed at rest, so the clients' keys are read through the API (which opens them), via nginx.
            using (var api = new HttpClient { BaseAddress = nginx.Http, Timeout = TimeSpan.FromSeconds(30) })
            {
                var json = await api.GetFromJsonAsync<JsonElement>($"/api/spaces/{Space}/events?limit=10000");
                var rows = json.GetProperty("events").EnumerateArray().ToList();
                Assert.True(rows.Count < 10_000, "more events than one page: the key count would be partial");
                Assert.Equal(stored.Values.Sum(), rows.Count);
                foreach (var row in rows)
                {
                    string key = row.GetProperty("data").GetProperty("key").GetString()!;
                    byKey[key] = byKey.GetValueOrDefault(key) + 1;
                }
            }
            int resent = clients.Sum(c => c.Resent);
            output.WriteLine($"events: {clients.Sum(c => c.Sent)} sent, {acked.Count} acked, {resent} resent after a reconnect, {stored.Count} stored ids");
            Assert.True(acked.Count > 100, $"only {acked.Count} events were acked");
            var missing = acked.Where(a => !stored.ContainsKey(a.Value)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acked events are missing, e.g. {string.Join(", ", missing.Take(5))}");
            Assert.All(acked, a => Assert.Equal(1, stored[a.Value]));
            // A resent event whose first copy was stored before its socket died: with a gateway that keeps the client's
            // eventId (or derives it from the ackId) it is stored once; with server-chosen ids it is stored twice.
            bool clientIds = clients.Any(c => c.GatewayKeptClientEventIds(c.ClientEventIds));
            var twice = byKey.Where(kv => kv.Value > 1).Select(kv => kv.Key).ToList();
            output.WriteLine($"gateway keeps client event ids: {clientIds}; events stored more than once after a resend: {twice.Count} {string.Join(" ", twice.Take(10))}" +
                             $"; acks received again for a resent event: {clients.Sum(c => c.ReAcked.Count)}");
            if (clientIds) Assert.Empty(twice);

            // Every memory node is back, read through nginx like the app would.
            using (var http = new HttpClient { BaseAddress = nginx.Http, Timeout = TimeSpan.FromSeconds(10) })
            {
                var nodes = await Until(async () =>
                {
                    var json = await http.GetFromJsonAsync<JsonElement>($"/api/spaces/{Space}/nodes");
                    return json.GetProperty("nodes").EnumerateArray().Where(n => n.GetProperty("kind").GetString() == "memory")
                        .ToDictionary(n => n.GetProperty("id").GetGuid(), n => (X: n.GetProperty("x").GetDouble(), Y: n.GetProperty("y").GetDouble(), S: n.GetProperty("strength").GetDouble()));
                }, n => memories.All(m => n.ContainsKey(m.Id)), 60, "every memory node listed by GET /api/spaces/{id}/nodes");
                foreach (var m in memories) Assert.Equal((m.X, m.Y, m.S), nodes![m.Id]);
            }

            // The field equals the reference from the persisted memory nodes and the (still streaming) participants.
            var sources = memories.Select(m => new FieldSource(m.X, m.Y, m.S, 0))
                .Concat(clients.Select(c => new FieldSource(c.X, c.Y, c.Amplitude, 0))).ToList();
            var reference = ReferenceField.NodeSum(geometry.Grid, geometry.Kernel, sources);
            var field = await Until(() => FieldSnapshot.Assemble(grains, Space, geometry), f => FieldSnapshot.MaxAbsDiff(f, reference) <= 1e-9, 60,
                "the field equal to the reference");
            Assert.True(FieldSnapshot.MaxAbsDiff(field!, reference) <= 1e-9, FieldSnapshot.DescribeDiff(field!, reference, geometry.Grid.Columns));
            await Until(() => grains.GetGrain<ISpaceGrain>(Space).GetLatestTick(), t => t is { ActiveNodes: 6 } && t.MemoryNodes == memories.Count, 60, "all nodes counted at the end");

            // The streams resumed for every client, connected through nginx; the longest gap each saw (a figure, not a bound).
            await Progress(clients, clock, "at the end");
            Assert.All(clients, c => Assert.True(c.Open, $"client {c.Index} is not connected"));
            long worst = 0;
            foreach (var c in clients)
            {
                var times = c.UpdateTimes().Where(t => t >= faultsAt - 1000 && t <= faultsEnd).ToList();
                long gap = times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty(0).Max();
                worst = Math.Max(worst, gap);
                output.WriteLine($"client {c.Index}: {c.Connections} connection(s), longest resonance_update gap {gap} ms; closes: {string.Join(" | ", c.Closes())}" +
                                 (c.Errors().Length > 0 ? $"; errors: {string.Join(" | ", c.Errors().TakeLast(3))}" : ""));
            }
            output.WriteLine($"longest stream gap any client saw during the kills and the rolling restart: {worst} ms");

            // Each container's own HEALTHCHECK (bash /dev/tcp on its Urls port) reports it healthy.
            foreach (var c in cluster.Silos.Concat(cluster.Gateways))
                await Until(c.HealthAsync, h => h == "healthy", 60, $"{c.Name} healthy by its HEALTHCHECK");
            Log(clock, "done");
        }
        catch
        {
            output.WriteLine(await cluster.DescribeAsync());
            throw;
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
            if (orleans is not null)
            {
                try
                {
                    await orleans.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
                }
                catch (Exception) { }
                orleans.Dispose();
            }
        }
    }

    /// <summary>Waits until every client has new acks and new resonance_updates (the workload runs; not a sleep).</summary>
    private async Task Progress(List<ReconnectingClient> clients, Stopwatch clock, string what)
    {
        var acks = clients.Select(c => c.Acked.Count).ToArray();
        long now = clock.ElapsedMilliseconds;
        bool sending = clients.All(c => c.SendEvents);
        await Until(() => Task.FromResult(clients.Select((c, k) => (Acks: c.Acked.Count - acks[k], Updates: c.UpdateTimes().Count(t => t > now))).ToArray()),
            p => p.All(x => (!sending || x.Acks >= 5) && x.Updates >= 5), 120, $"every client acked and updated {what}");
        Log(clock, $"progress {what}: {clients.Sum(c => c.Acked.Count)} acked");
    }

    /// <summary>The membership entry of a silo container (its newest generation, newer than <paramref name="after"/>).</summary>
    private static async Task<MembershipEntry> Entry(IManagementGrain management, Container silo, SiloStatus status, int after = 0) =>
        (await Until(async () => (await management.GetDetailedHosts(false))
                .Where(e => e.SiloAddress.Endpoint.Port == silo.SiloPort && e.SiloAddress.Generation > after)
                .MaxBy(e => e.SiloAddress.Generation),
            e => e?.Status == status, 90, $"{silo.Name} {status} in the membership table"))!;

    private static async Task<MembershipEntry?> Status(IManagementGrain management, MembershipEntry entry) =>
        (await management.GetDetailedHosts(false)).FirstOrDefault(e => e.SiloAddress.Equals(entry.SiloAddress));

    /// <summary><see cref="Eventually.Until"/> where a probe may fail while containers come and go (it is retried).</summary>
    private static Task<T?> Until<T>(Func<Task<T>> probe, Func<T, bool> done, int seconds, string what) =>
        Eventually.Until<T?>(async () =>
        {
            try
            {
                return await probe();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return default;
            }
        }, v => v is not null && done(v), TimeSpan.FromSeconds(seconds), what);
}
