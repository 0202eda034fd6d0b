using System.Diagnostics;
using System.Globalization;
using CsCheck;

namespace Resonance.Fuzz;

/// <summary>
/// The fuzzer's command line: <c>--cases N</c> (default 1,000,000) split over the targets (<c>--targets</c>
/// parser,rest,http,grains), <c>--seed S</c> to replay CsCheck's reported seed, <c>--threads T</c>.
/// </summary>
public static class FuzzProgram
{
    public static async Task<int> RunAsync(string[] args)
    {
        long cases = 1_000_000;
        string targets = "parser,rest,grains,http";
        string? seed = null;
        int threads = -1;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--cases": cases = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--targets": targets = args[++i]; break;
                case "--seed": seed = args[++i]; break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "-h" or "--help":
                    Console.WriteLine("usage: dotnet run -c Release --project Tests/Fuzz -- [--cases N] [--targets parser,rest,grains,http] [--seed S] [--threads T]");
                    return 0;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        var wanted = targets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        // Pure targets take most cases; the live ones (a real gateway) are far slower per case.
        long live = Math.Max(200, cases / 500);
        var plan = new List<(string Name, long Cases, Func<long, string?, int, Task> Run)>();
        if (wanted.Contains("parser")) plan.Add(("parser", cases * 7 / 10, (n, s, t) => Pure(MessageGen.Any, ParserFuzz.Check, n, s, t)));
        if (wanted.Contains("rest")) plan.Add(("rest", cases * 3 / 10, (n, s, t) => Pure(RestGen.Any, RestFuzz.Check, n, s, t)));
        if (wanted.Contains("grains")) plan.Add(("grains", live, (n, s, _) => LiveFuzz.GrainsAsync(n, s)));
        if (wanted.Contains("http")) plan.Add(("http", live, (n, s, _) => LiveFuzz.HttpAsync(n, s)));
        int failures = 0;
        long total = 0;
        var all = Stopwatch.StartNew();
        foreach (var (name, n, run) in plan)
        {
            var sw = Stopwatch.StartNew();
            try
            {
                await run(n, seed, threads);
                Console.WriteLine($"{name,-7} {n,10:N0} cases in {sw.Elapsed.TotalSeconds,7:F1} s = {n / sw.Elapsed.TotalSeconds,10:N0} cases/s  ok");
            }
            catch (Exception e)
            {
                failures++;
                Console.WriteLine($"{name,-7} FAILED after {sw.Elapsed.TotalSeconds:F1} s: {e.Message}");
                if (e.InnerException is { } inner) Console.WriteLine($"        inner: {inner.GetType().Name}: {inner.Message}");
            }
            total += n;
        }
        Console.WriteLine($"total   {total,10:N0} cases in {all.Elapsed.TotalSeconds,7:F1} s = {total / all.Elapsed.TotalSeconds,10:N0} cases/s, {failures} failing target(s)");
        return failures == 0 ? 0 : 1;
    }

    public static Task Pure<T>(Gen<T> gen, Action<T> check, long cases, string? seed, int threads)
    {
        gen.Sample(check, seed: seed, iter: cases, threads: threads, print: v => v?.ToString() ?? "null");
        return Task.CompletedTask;
    }
}
