using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Resonance.Grains;
using Resonance.Grains.Hosting;
using Resonance.Grains.Routing;

namespace Resonance.Benchmarks;

/// <summary>
/// The default mix's grain load without the gateway (<c>--dense</c>): N participants in the one 30 x 30 space, where every
/// footprint reaches all 9 cells, each streaming like the load tool's clients (a phase step per message, no position, at
/// a rate drawn from [min-hz, max-hz]); every 50 ms the latest state of each participant that streamed since goes to the
/// ingest grain in one batch, as the gateway sends it. A space observer stands for the gateway's hub. Reports the
/// process's CPU and allocation rate, the ingest call's round trip, the tick's lag at the observer, and the pairs formed.
/// </summary>
public static class DenseBenchmarkCases
{
    public static async Task RunAsync(TextWriter output, string[] args)
    {
        int clients = (int)Arg(args, "--clients", 1000);
        double minHz = Arg(args, "--min-hz", 10), maxHz = Arg(args, "--max-hz", 10);
        var warmup = TimeSpan.FromSeconds(Arg(args, "--warmup", 10));
        var measure = TimeSpan.FromSeconds(Arg(args, "--seconds", 20));

        using var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders().AddConsole().SetMinimumLevel(LogLevel.Error))
            .UseOrleans(silo => silo
                .UseLocalhostClustering(siloPort: 11412, gatewayPort: 30412)
                .AddResonanceGrains()
                .AddResonanceMemoryStorage())
            .Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var router = host.Services.GetRequiredService<CellChangeRouter>();
        const string space = "bench-dense";

        var watcher = new TickWatcher();
        var reference = grains.CreateObjectReference<ISpaceObserver>(watcher);
        await grains.GetGrain<ISpaceGrain>(space).Subscribe(reference);

        var random = new Random(1);
        var ids = new Guid[clients];
        var hz = new double[clients];
        var phase = new double[clients];
        var step = new double[clients];
        var amplitude = new double[clients];
        var frequency = new double[clients];
        var due = new double[clients];
        double[] baseFrequencies = [1, 2, 3, 4, 5, 6, 7, 8];
        for (int k = 0; k < clients; k++)
        {
            ids[k] = Guid.NewGuid();
            hz[k] = minHz + random.NextDouble() * (maxHz - minHz);
            phase[k] = random.NextDouble() * 2 * Math.PI;
            step[k] = 0.05 + 0.5 * random.NextDouble();
            amplitude[k] = 0.3 + 0.6 * random.NextDouble();
            frequency[k] = baseFrequencies[random.Next(baseFrequencies.Length)];
            due[k] = random.NextDouble() / hz[k];
        }
        var sessions = ids.Select(_ => Guid.NewGuid()).ToArray();
        var ingest = grains.GetGrain<IParticipantIngestGrain>(0);

        var applyTimes = new List<double>();
        long updates = 0;
        bool measuring = false;
        var clock = Stopwatch.StartNew();
        var end = warmup + measure;
        var process = Process.GetCurrentProcess();
        long lockChanges = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GrainMetrics.MeterName && instrument.Name == "resonance_lock_changes") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => { if (Volatile.Read(ref measuring)) Interlocked.Add(ref lockChanges, value); });
        listener.Start();
        TimeSpan cpu0 = default;
        long alloc0 = 0, changes0 = 0, calls0 = 0, gen0 = 0, gen2 = 0;
        var batch = new List<ParticipantCommand>(clients);
        Task? inFlight = null;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (clock.Elapsed < end)
        {
            await timer.WaitForNextTickAsync();
            if (!measuring && clock.Elapsed >= warmup)
            {
                Volatile.Write(ref measuring, true);
                process.Refresh();
                cpu0 = process.TotalProcessorTime;
                alloc0 = GC.GetTotalAllocatedBytes();
                changes0 = router.ChangesSent;
                calls0 = router.CallsSent;
                gen0 = GC.CollectionCount(0);
                gen2 = GC.CollectionCount(2);
                watcher.Reset();
            }
            // One batch in flight, as the gateway keeps it: a slow cluster coalesces further (latest wins).
            if (inFlight is { IsCompleted: false }) continue;
            double now = clock.Elapsed.TotalSeconds;
            batch.Clear();
            for (int k = 0; k < clients; k++)
            {
                if (due[k] > now) continue;
                // All messages since the last batch collapse into the latest; the phase advances once per message.
                int messages = 0;
                while (due[k] <= now)
                {
                    due[k] += 1 / hz[k];
                    messages++;
                }
                phase[k] = (phase[k] + step[k] * messages) % (2 * Math.PI);
                batch.Add(new ParticipantCommand(ids[k], new ParticipantUpdate
                {
                    Frequency = frequency[k],
                    Amplitude = amplitude[k],
                    Phase = phase[k],
                    QuantumFactor = 0.5,
                    ConsciousnessIntent = "bloom",
                    Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                    Session = sessions[k],
                }, false, null));
                if (measuring) updates += messages;
            }
            if (batch.Count == 0) continue;
            var commands = batch.ToArray();
            bool timed = measuring;
            inFlight = Send(commands, timed);
        }
        if (inFlight is not null) await inFlight;
        process.Refresh();
        double seconds = measure.TotalSeconds;
        double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds / seconds;
        double allocMb = (GC.GetTotalAllocatedBytes() - alloc0) / seconds / 1e6;
        var tick = await grains.GetGrain<ISpaceGrain>(space).GetLatestTick();
        applyTimes.Sort();
        var lags = watcher.Lags();
        Write(output, new
        {
            @case = "dense-mix",
            clients,
            min_hz = minHz,
            max_hz = maxHz,
            updates_per_s = Math.Round(updates / seconds),
            cpu_cores = Math.Round(cpu, 3),
            cpu_us_per_update = updates > 0 ? Math.Round(cpu * seconds * 1e6 / updates, 1) : 0,
            alloc_mb_per_s = Math.Round(allocMb, 1),
            alloc_bytes_per_update = updates > 0 ? Math.Round(allocMb * 1e6 * seconds / updates) : 0,
            gen0 = GC.CollectionCount(0) - gen0,
            gen2 = GC.CollectionCount(2) - gen2,
            ingest_p50_ms = At(applyTimes, 0.5),
            ingest_p99_ms = At(applyTimes, 0.99),
            ingest_batches = applyTimes.Count,
            ticks_per_s = Math.Round(lags.Count / seconds, 2),
            tick_lag_p50_ms = At(lags, 0.5),
            tick_lag_p99_ms = At(lags, 0.99),
            tick_lag_max_ms = lags.Count == 0 ? double.NaN : Math.Round(lags[^1], 1),
            cell_changes_per_s = Math.Round((router.ChangesSent - changes0) / seconds),
            cell_calls_per_s = Math.Round((router.CallsSent - calls0) / seconds),
            lock_changes_per_s = Math.Round(Interlocked.Read(ref lockChanges) / seconds),
            active_nodes = tick.ActiveNodes,
            pairs = tick.PairCount,
        });
        await grains.GetGrain<ISpaceGrain>(space).Unsubscribe(reference);
        await host.StopAsync();

        async Task Send(ParticipantCommand[] commands, bool timed)
        {
            long started = Stopwatch.GetTimestamp();
            var failures = await ingest.Apply(space, commands);
            if (failures.Length > 0) throw new InvalidOperationException($"{failures.Length} commands failed: {failures[0].Message}");
            if (timed) lock (applyTimes) applyTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static double At(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))], 2);

    private static double Arg(string[] args, string name, double fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>Records each tick's lag (receipt - the tick's timestamp), like the gateway's hub would see it.</summary>
    private sealed class TickWatcher : ISpaceObserver
    {
        private readonly List<double> _lags = [];

        public Task OnTick(SpaceTick tick)
        {
            double lag = (DateTime.UtcNow - tick.TimestampUtc).TotalMilliseconds;
            lock (_lags) _lags.Add(lag);
            return Task.CompletedTask;
        }

        public void Reset()
        {
            lock (_lags) _lags.Clear();
        }

        public List<double> Lags()
        {
            lock (_lags)
            {
                var copy = new List<double>(_lags);
                copy.Sort();
                return copy;
            }
        }
    }

    private static void Write(TextWriter output, object value)
    {
        output.WriteLine(JsonSerializer.Serialize(value));
        output.Flush();
    }
}
