using System.Globalization;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using Resonance.Grains.Field;

namespace Resonance.Benchmarks;

/// <summary>The field kernels for <c>--quick</c>: BenchmarkDotNet with a short in-process job, one JSON object per line.</summary>
public static class FieldBenchmarkCases
{
    private static readonly (string Method, string Case)[] Cases =
    [
        (nameof(FieldQuickBenchmarks.Field30x30N20), "field-30x30-n20"),
        (nameof(FieldQuickBenchmarks.Field256x256N1000), "field-256x256-n1000"),
        (nameof(FieldQuickBenchmarks.Field1024x1024N10000), "field-1024x1024-n10000"),
        (nameof(FieldQuickBenchmarks.NodeMoveR10), "node-move-r10"),
        (nameof(FieldQuickBenchmarks.Field30x30N20Naive), "field-30x30-n20-naive"),
        (nameof(FieldQuickBenchmarks.Compose30x30Classic), "compose-30x30-classic"),
        (nameof(FieldQuickBenchmarks.Compose30x30ClassicSoft), "compose-30x30-classic-soft"),
    ];

    public static void RunQuick(TextWriter output)
    {
        var job = Job.Default
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(2), logOutput: false))
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(9)
            .WithIterationTime(TimeInterval.FromMilliseconds(100))
            .WithId("quick");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(new SilentLogger())
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "resonance-bdn"))
            .WithOptions(ConfigOptions.DisableLogFile);

        Summary summary;
        var stdout = Console.Out;
        try
        {
            // BenchmarkDotNet writes a few lines straight to the console besides its loggers; keep stdout for JSON only.
            Console.SetOut(TextWriter.Null);
            summary = BenchmarkRunner.Run<FieldQuickBenchmarks>(config);
        }
        finally
        {
            Console.SetOut(stdout);
        }

        double fastMedian = double.NaN;
        foreach (var (method, name) in Cases)
        {
            var report = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);
            var line = new StringBuilder();
            line.Append(CultureInfo.InvariantCulture, $"{{\"case\":\"{name}\"");
            if (report?.ResultStatistics is not { } stats)
            {
                line.Append(",\"error\":\"benchmark did not run\"}");
                output.WriteLine(line.ToString());
                continue;
            }
            double median = stats.Median / 1000.0, mean = stats.Mean / 1000.0;
            if (name == "field-30x30-n20") fastMedian = median;
            line.Append(CultureInfo.InvariantCulture, $",\"median_us\":{Format(median)},\"mean_us\":{Format(mean)}");
            line.Append(CultureInfo.InvariantCulture, $",\"p95_us\":{Format(stats.Percentiles.P95 / 1000.0)},\"iterations\":{stats.N}");
            line.Append(CultureInfo.InvariantCulture, $",\"threads\":{Threads(name)}");
            long allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
            line.Append(CultureInfo.InvariantCulture, $",\"allocated_bytes\":{allocated}");
            if (name == "field-30x30-n20-naive" && fastMedian > 0)
                line.Append(CultureInfo.InvariantCulture, $",\"ratio_vs_fast\":{Format(median / fastMedian)}");
            line.Append('}');
            output.WriteLine(line.ToString());
        }
        output.Flush();
    }

    private static int Threads(string name) => name switch
    {
        "field-256x256-n1000" => FieldComputer.PlannedThreads(new TileRegion(0, 0, 256, 256, 1), FieldBenchmarkData.Exponential, 1000, 0),
        "field-1024x1024-n10000" => FieldComputer.PlannedThreads(new TileRegion(0, 0, 1024, 1024, 1), FieldBenchmarkData.Exponential, 10000, 0),
        "field-30x30-n20" => FieldComputer.PlannedThreads(new TileRegion(0, 0, 30, 30, 1), FieldBenchmarkData.Exponential, 20, 0),
        _ => 1,
    };

    private static string Format(double v) => double.IsFinite(v) ? Math.Round(v, 4).ToString("0.####", CultureInfo.InvariantCulture) : "null";

    /// <summary>Swallows BenchmarkDotNet's progress output.</summary>
    private sealed class SilentLogger : ILogger
    {
        public string Id => nameof(SilentLogger);
        public int Priority => 0;
        public void Write(LogKind logKind, string text) { }
        public void WriteLine() { }
        public void WriteLine(LogKind logKind, string text) { }
        public void Flush() { }
    }
}
