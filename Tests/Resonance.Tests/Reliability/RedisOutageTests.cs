using System.Diagnostics;
using Resonance.Grains;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;
using Resonance.Tests.Processes;
using Resonance.Tests.Services;
using Xunit.Abstractions;

namespace Resonance.Tests.Reliability;

/// <summary>
/// The production shape loses its Redis (membership and reminders) for 20 s: the running silos keep serving the
/// protocol (resonance_updates flow, events are acked), and once Redis is back membership and reminders work again (a
/// new silo joins, a reminder is registered).
/// </summary>
public sealed class RedisOutageTests(ITestOutputHelper output)
{
    private const string Space = "redis-outage";
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Reliability_redis_down_for_20_s_keeps_the_protocol_served_and_membership_resumes()
    {
        await using var services = await DedicatedServices.StartAsync(postgres: false);
        var env = new Dictionary<string, string>
        {
            ["Resonance__Cluster__Redis"] = services.Redis,
            ["Resonance__Cluster__ClusterId"] = $"redisout-{Guid.NewGuid():N}",
            ["Resonance__Storage__Postgres"] = await TestServices.CreateDatabaseAsync("redisout"),
        };
        var silos = (await SiloProcess.StartManyAsync(2, env)).ToList();
        var clients = new List<EventClient>();
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
            var updates = new List<long>();
            for (int k = 0; k < 5; k++)
            {
                var c = await EventClient.ConnectAsync(ws, clock);
                c.OnOther = (m, at) => { if (m.Type == "resonance_update") lock (updates) updates.Add(at); };
                clients.Add(c);
            }
            foreach (var c in clients) c.Start();
            // The event clients are also participants: they stream (so the space ticks and the cells hold them).
            using var stopStreams = new CancellationTokenSource();
            var streaming = Task.Run(async () =>
            {
                while (!stopStreams.IsCancellationRequested)
                {
                    for (int k = 0; k < clients.Count; k++)
                        await clients[k].SendAsync(new { type = "harmonic_stream", frequency = 2 + k, amplitude = 0.5, phase = 0.0, x = 5.0 + 7 * k, y = 20.0 });
                    await Task.Delay(200, CancellationToken.None); // the streaming pace
                }
            });

            await Eventually.Until(() => grains.GetGrain<ISpaceGrain>(Space).GetLatestTick(), t => t.ActiveNodes == clients.Count, TimeSpan.FromSeconds(30), "participants counted");
            await Eventually.Until(() => Task.FromResult(clients.Sum(c => c.Acked.Count)), n => n >= 50, TimeSpan.FromSeconds(30), "acks before the outage");
            long stoppedAt = clock.ElapsedMilliseconds;
            await services.StopRedisAsync();
            output.WriteLine($"Redis stopped at {stoppedAt} ms");
            var remaining = Outage - TimeSpan.FromMilliseconds(clock.ElapsedMilliseconds - stoppedAt);
            if (remaining > TimeSpan.Zero) await Task.Delay(remaining); // the outage, under load
            long startedAt = clock.ElapsedMilliseconds;
            await services.StartRedisAsync();
            output.WriteLine($"Redis started again at {startedAt} ms");

            // Served through the outage: updates and acks in its second half too.
            long mid = (stoppedAt + startedAt) / 2;
            int updatesDuring, acksDuring;
            lock (updates) updatesDuring = updates.Count(t => t > mid && t < startedAt);
            acksDuring = clients.Sum(c => c.AckTimes.Count(t => t > mid && t < startedAt));
            output.WriteLine($"during the second half of the outage: {updatesDuring} resonance_updates (per client), {acksDuring} acks");
            Assert.True(updatesDuring > 0, "no resonance_update while Redis was down");
            Assert.True(acksDuring > 0, "no ack while Redis was down");

            // Membership resumes: a new silo joins; reminders resume: one is registered.
            var join = Stopwatch.StartNew();
            silos.Add(await SiloProcess.StartAsync(env));
            long joined = join.ElapsedMilliseconds;
            var reminder = Stopwatch.StartNew();
            await Eventually.Until(async () =>
            {
                try
                {
                    await grains.GetGrain<IRollupGrain>(Space + "-after").Start();
                    return true;
                }
                catch (Exception) { return false; }
            }, ok => ok, TimeSpan.FromSeconds(60), "a reminder registered after Redis is back");
            long reminded = reminder.ElapsedMilliseconds;

            stopStreams.Cancel();
            await streaming;
            foreach (var c in clients) c.StopNew();
            await Eventually.Until(() => Task.FromResult(clients.All(c => c.Settled)), s => s, TimeSpan.FromSeconds(60), "every event acked");

            long gap, ackGap;
            lock (updates)
            {
                var times = updates.Where(t => t >= stoppedAt - 1000).Order().ToList();
                gap = times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty(0).Max();
            }
            var acks = clients.SelectMany(c => c.AckTimes).Where(t => t >= stoppedAt - 1000).Order().ToList();
            ackGap = acks.Zip(acks.Skip(1), (a, b) => b - a).DefaultIfEmpty(0).Max();
            output.WriteLine($"longest resonance_update gap around the outage: {gap} ms; longest gap between acks: {ackGap} ms; unavailable answers: {clients.Sum(c => c.Unavailable)}");
            output.WriteLine($"after Redis returned: a new silo healthy in {joined} ms; a reminder registered {reminded} ms after that");

            Assert.All(clients, c => Assert.Empty(c.Problems));
            Assert.All(clients, c => Assert.True(c.Open, $"a session was closed ({c.CloseStatus})"));
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
            foreach (var s in silos) await s.DisposeAsync();
        }
    }
}
