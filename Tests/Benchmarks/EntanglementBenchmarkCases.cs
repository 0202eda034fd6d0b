using System.Diagnostics;
using System.Text.Json;
using Resonance.Grains.Entanglement;

namespace Resonance.Benchmarks;

/// <summary>
/// The pure detection kernel for <c>--quick</c>: N participants at uniform density on the default cell grid
/// (S = R = 10, radius R - sqrt(2) h = 8.59), each streaming a synthetic phase; one tick = sample every participant's
/// phase into its history and scan every cell's candidate pairs (PLV over W = 20 for 1:1, 2:1, 3:2). The same density at
/// N = 1k, 10k and 50k shows the pairs evaluated (and the cost) growing linearly with N, not as N^2.
/// </summary>
public static class EntanglementBenchmarkCases
{
    /// <summary>Participants per unit area: one per 20 field units squared (the existing app has 20 in 30 x 30, one per 45).</summary>
    private const double Density = 0.05;
    private const double CellSize = 10;
    private const int MeasuredTicks = 15;

    public static void RunQuick(TextWriter output)
    {
        foreach (var (n, name) in new[] { (1_000, "entanglement-1k"), (10_000, "entanglement-10k"), (50_000, "entanglement-50k") })
            output.WriteLine(JsonSerializer.Serialize(Run(n, name)));
        output.Flush();
    }

    private static object Run(int n, string name)
    {
        var locking = new EntanglementSettings().Compile();
        double radius = new Grains.SpaceConfig().EffectiveEntanglementRadius;
        double side = Math.Sqrt(n / Density);
        var random = new Random(n);
        var participants = new TrackedPhase[n];
        var phase0 = new double[n];
        var step = new double[n];
        for (int k = 0; k < n; k++)
        {
            participants[k] = new TrackedPhase(Guid.NewGuid(), random.NextDouble() * side, random.NextDouble() * side, locking.NewHistory());
            phase0[k] = random.NextDouble() * 2 * Math.PI;
            // A handful of frequencies (0.5 .. 1.4 Hz at 10 Hz ticks), so some neighbours lock and most do not.
            step[k] = 2 * Math.PI * (0.5 + 0.1 * random.Next(10)) / 10;
        }
        var grid = new CellGrid(participants, side, side, CellSize);
        var readings = new List<PairReading>(1024);

        long tick = 0;
        void Sample()
        {
            for (int k = 0; k < n; k++)
            {
                double noise = (random.NextDouble() * 2 - 1) * 0.2;
                participants[k].History.Record(tick, phase0[k] + step[k] * tick + noise, fresh: true);
            }
        }

        // Fill the windows and warm up for at least half a second, so the kernel runs tiered-up (not first-tier JIT code).
        var warmup = Stopwatch.StartNew();
        for (; tick < locking.Window + 5 || warmup.ElapsedMilliseconds < 500; tick++)
        {
            Sample();
            grid.ScanAll(tick, radius, locking, readings);
        }

        var total = new double[MeasuredTicks];
        var scan = new double[MeasuredTicks];
        int pairs = 0;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int m = 0; m < MeasuredTicks; m++, tick++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Sample();
            long t1 = Stopwatch.GetTimestamp();
            pairs = grid.ScanAll(tick, radius, locking, readings);
            long t2 = Stopwatch.GetTimestamp();
            total[m] = Stopwatch.GetElapsedTime(t0, t2).TotalMicroseconds;
            scan[m] = Stopwatch.GetElapsedTime(t1, t2).TotalMicroseconds;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        return new
        {
            @case = name,
            n,
            density = Density,
            side = Math.Round(side, 1),
            cells = grid.Cells,
            radius = Math.Round(radius, 3),
            window = locking.Window,
            ratios = string.Join(",", locking.Ratios),
            median_us = Math.Round(Median(total), 1),
            scan_median_us = Math.Round(Median(scan), 1),
            pairs_per_tick = pairs,
            pairs_per_participant = Math.Round((double)pairs / n, 3),
            ns_per_pair = Math.Round(Median(scan) * 1000 / Math.Max(1, pairs), 1),
            allocated_bytes_per_tick = allocated / MeasuredTicks,
            ticks = MeasuredTicks,
        };
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
