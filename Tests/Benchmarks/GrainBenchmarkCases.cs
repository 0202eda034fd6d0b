using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Resonance.Grains;
using Resonance.Grains.Hosting;
using Resonance.Grains.Routing;

namespace Resonance.Benchmarks;

/// <summary>
/// Grain-path measurements on one in-process silo: sustained node updates through the grains, and the time from a node
/// update until an observer of its cell receives the changed tile (on a quiet cell, and while the update load runs).
/// </summary>
public static class GrainBenchmarkCases
{
    private const int Nodes = 4000;
    private const int Concurrency = 512;
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PacedWarmup = TimeSpan.FromSeconds(5);
    /// <summary>Each load's length (--seconds).</summary>
    public static TimeSpan Measure { get; set; } = TimeSpan.FromSeconds(8);

    /// <param name="rates">Only these paced rates, without the quiet and closed-loop cases (for profiling one load).</param>
    public static async Task RunQuickAsync(TextWriter output, int[]? rates = null)
    {
        using var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders().AddConsole().SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(silo => silo
                .UseLocalhostClustering(siloPort: 11411, gatewayPort: 30411)
                .AddResonanceGrains()
                .AddResonanceMemoryStorage())
            .Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var router = host.Services.GetRequiredService<CellChangeRouter>();
        if (rates is not null)
        {
            await Paced(output, grains, router, rates);
            await host.StopAsync();
            return;
        }

        // Quiet latency first, then throughput with the latency probe running beside it.
        var quiet = await ObserverLatency(grains, "bench-quiet", samples: 200, TimeSpan.FromMilliseconds(40), CancellationToken.None);
        Write(output, new { @case = "update-to-observer", p50_ms = quiet.P50, p99_ms = quiet.P99, max_ms = quiet.Max, samples = quiet.Count, load = "none" });

        using var stopProbe = new CancellationTokenSource();
        var loadedProbe = ObserverLatency(grains, "bench-loaded", samples: int.MaxValue, TimeSpan.FromMilliseconds(40), stopProbe.Token);
        var (perSecond, changes, calls) = await Throughput(grains, router);
        stopProbe.Cancel();
        var loaded = await loadedProbe;
        Write(output, new { @case = "grain-updates-per-s", per_s = Math.Round(perSecond), nodes = Nodes, concurrency = Concurrency, cell_changes = changes, cell_calls = calls, changes_per_cell_call = calls > 0 ? Math.Round((double)changes / calls, 1) : 0 });
        Write(output, new { @case = "update-to-observer-saturated", p50_ms = loaded.P50, p99_ms = loaded.P99, max_ms = loaded.Max, samples = loaded.Count, load = "grain-updates-per-s (closed loop, saturating)" });

        await Paced(output, grains, router, PacedRates);
        await host.StopAsync();
    }

    /// <summary>Steady open-loop loads (the target is 20,000 updates/s), with the probe beside each.</summary>
    private static async Task Paced(TextWriter output, IGrainFactory grains, CellChangeRouter router, int[] rates)
    {
        foreach (int rate in rates)
        {
            using var stopPaced = new CancellationTokenSource();
            var completed = new StrongBox<long>();
            var load = PacedLoad(grains, rate, PacedWarmup + Measure, $"bench-paced-{rate}", completed);
            // Everything reported (probe, rates, calls) covers the sustained load, not the first seconds in which its
            // 4,000 nodes and 400 cells activate.
            await Task.Delay(PacedWarmup);
            long changes0 = router.ChangesSent, calls0 = router.CallsSent, completed0 = Interlocked.Read(ref completed.Value);
            var clock = Stopwatch.StartNew();
            var pacedProbe = ObserverLatency(grains, $"bench-paced-probe-{rate}", samples: int.MaxValue, TimeSpan.FromMilliseconds(40), stopPaced.Token);
            try
            {
                await load;
            }
            finally
            {
                stopPaced.Cancel();
            }
            double seconds = clock.Elapsed.TotalSeconds;
            double achieved = (Interlocked.Read(ref completed.Value) - completed0) / seconds;
            long changes = router.ChangesSent - changes0, calls = router.CallsSent - calls0;
            var paced = await pacedProbe;
            Write(output, new
            {
                @case = rate == TargetRate ? "update-to-observer-under-load" : $"update-to-observer-at-{rate / 1000}k",
                p50_ms = paced.P50, p99_ms = paced.P99, max_ms = paced.Max, samples = paced.Count, load_per_s = Math.Round(achieved), target_per_s = rate,
                cell_calls_per_s = Math.Round(calls / seconds), changes_per_cell_call = calls > 0 ? Math.Round((double)changes / calls, 1) : 0,
            });
        }
    }

    private static async Task<(double PerSecond, long Changes, long Calls)> Throughput(IGrainFactory grains, CellChangeRouter router)
    {
        const string space = "bench-load";
        await grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Width = 200, Height = 200 });
        var ids = Enumerable.Range(0, Nodes).Select(_ => Guid.NewGuid()).ToArray();
        long completed = 0;
        bool counting = false;
        var stopAt = DateTime.UtcNow + Warmup + Measure;
        var workers = Enumerable.Range(0, Concurrency).Select(async w =>
        {
            var random = new Random(w);
            while (DateTime.UtcNow < stopAt)
            {
                var id = ids[random.Next(ids.Length)];
                await grains.GetGrain<INodeGrain>(id).UpdateParticipant(space, new ParticipantUpdate
                {
                    Frequency = 1 + random.NextDouble() * 9,
                    Amplitude = random.NextDouble(),
                    Phase = random.NextDouble() * 6.28,
                    X = random.NextDouble() * 200,
                    Y = random.NextDouble() * 200,
                });
                if (Volatile.Read(ref counting)) Interlocked.Increment(ref completed);
            }
        }).ToArray();

        await Task.Delay(Warmup);
        long changes0 = router.ChangesSent, calls0 = router.CallsSent;
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref counting, true);
        await Task.Delay(Measure);
        Volatile.Write(ref counting, false);
        double seconds = clock.Elapsed.TotalSeconds;
        long total = Interlocked.Read(ref completed);
        long changes = router.ChangesSent - changes0, calls = router.CallsSent - calls0;
        await Task.WhenAll(workers);
        return (total / seconds, changes, calls);
    }

    private const int TargetRate = 20_000;
    private static readonly int[] PacedRates = [5_000, 10_000, TargetRate];

    /// <summary>Issues updates at a fixed rate (open loop, in 5 ms slices), bounded in flight, counting those completed.</summary>
    private static async Task PacedLoad(IGrainFactory grains, int perSecond, TimeSpan duration, string space, StrongBox<long> completed)
    {
        await grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Width = 200, Height = 200 });
        var ids = Enumerable.Range(0, Nodes).Select(_ => Guid.NewGuid()).ToArray();
        var random = new Random(3);
        const int maxInFlight = 4096;
        Exception? failure = null;
        using var inFlight = new SemaphoreSlim(maxInFlight);
        var clock = Stopwatch.StartNew();
        long issued = 0;
        // Calls in flight are counted by the semaphore, not kept in a list: a long-lived list of young tasks is what a
        // young collection has to find and promote, and would weigh on the silo's pauses measured here.
        while (clock.Elapsed < duration)
        {
            long due = (long)(clock.Elapsed.TotalSeconds * perSecond);
            for (; issued < due; issued++)
            {
                await inFlight.WaitAsync();
                var id = ids[random.Next(ids.Length)];
                var update = new ParticipantUpdate
                {
                    Frequency = 1 + random.NextDouble() * 9,
                    Amplitude = random.NextDouble(),
                    Phase = random.NextDouble() * 6.28,
                    X = random.NextDouble() * 200,
                    Y = random.NextDouble() * 200,
                };
                _ = Call(grains.GetGrain<INodeGrain>(id), space, update);
            }
            await Task.Delay(5);
        }
        for (int k = 0; k < maxInFlight; k++) await inFlight.WaitAsync();
        if (failure is not null) throw new InvalidOperationException("A paced update failed.", failure);

        async Task Call(INodeGrain node, string s, ParticipantUpdate u)
        {
            try
            {
                await node.UpdateParticipant(s, u);
                Interlocked.Increment(ref completed.Value);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }
            finally
            {
                inFlight.Release();
            }
        }
    }

    private sealed record Latency(double P50, double P99, double Max, int Count);

    /// <summary>Moves one node inside its cell and times until the cell's observer holds a tile newer than before.</summary>
    private static async Task<Latency> ObserverLatency(IGrainFactory grains, string space, int samples, TimeSpan gap, CancellationToken stop)
    {
        await grains.GetGrain<ISpaceGrain>(space).Configure(new SpaceConfig { Width = 30, Height = 30 });
        var node = grains.GetGrain<INodeGrain>(Guid.NewGuid());
        await node.UpdateParticipant(space, new ParticipantUpdate { Frequency = 4, Amplitude = 0.5, X = 15, Y = 15 });
        var watcher = new TileWatcher();
        var reference = grains.CreateObjectReference<IFieldObserver>(watcher);
        var cell = grains.GetGrain<ICellGrain>(CellKey.Format(space, 1, 1));
        await cell.SubscribeField(reference);
        await watcher.WaitForVersionAbove(0, TimeSpan.FromSeconds(10));

        var times = new List<double>();
        var random = new Random(7);
        for (int k = 0; k < samples && !stop.IsCancellationRequested; k++)
        {
            await Task.Delay(gap, CancellationToken.None);
            long seen = watcher.Version;
            var clock = Stopwatch.StartNew();
            await node.UpdateParticipant(space, new ParticipantUpdate { Frequency = 4, Amplitude = 0.5, X = 11 + random.NextDouble() * 8, Y = 11 + random.NextDouble() * 8 });
            await watcher.WaitForVersionAbove(seen, TimeSpan.FromSeconds(10));
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        await cell.UnsubscribeField(reference);
        grains.DeleteObjectReference<IFieldObserver>(reference);
        times.Sort();
        double At(double q) => times.Count == 0 ? double.NaN : Math.Round(times[Math.Min(times.Count - 1, (int)(q * times.Count))], 3);
        return new Latency(At(0.5), At(0.99), times.Count == 0 ? double.NaN : Math.Round(times[^1], 3), times.Count);
    }

    private sealed class TileWatcher : IFieldObserver
    {
        private readonly Lock _gate = new();
        private long _version;
        private TaskCompletionSource? _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Version => Interlocked.Read(ref _version);

        public Task OnTile(TileFrame frame)
        {
            TaskCompletionSource? wake;
            lock (_gate)
            {
                if (frame.Version <= _version) return Task.CompletedTask;
                _version = frame.Version;
                wake = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            wake?.SetResult();
            return Task.CompletedTask;
        }

        public async Task WaitForVersionAbove(long version, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                Task next;
                lock (_gate)
                {
                    if (_version > version) return;
                    next = _changed!.Task;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) throw new TimeoutException($"No tile newer than version {version} arrived.");
                await next.WaitAsync(left);
            }
        }
    }

    private static void Write(TextWriter output, object value)
    {
        output.WriteLine(JsonSerializer.Serialize(value));
        output.Flush();
    }
}
