using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Resonance.Grains;
using Resonance.Grains.Events;
using Resonance.Grains.Privacy;

namespace Resonance.Benchmarks;

/// <summary>
/// Event ingest through the store, as the group-commit writer drives it: batches of <see cref="EventWriter.MaxBatch"/>
/// events from 1,000 subjects into a fresh SQLite file (and PostgreSQL when RESONANCE_BENCH_POSTGRES names a database),
/// sealing every payload under its subject's data key. Each run is a pair, without and with the tamper-evident log's
/// leaves (same build, alternating, so load on a shared machine hits both alike); prints events/s per run and the ratio
/// of the medians (a figure, not a test).
/// </summary>
public static class EventIngestBenchmarkCases
{
    private const int Batches = 100, Subjects = 1000, Runs = 5;

    public static async Task RunAsync(TextWriter output)
    {
        await RunAsync(output, "sqlite", dir => EventStore.Sqlite(Path.Combine(dir, "events.db"), Keys, NullLogger.Instance));
        if (Environment.GetEnvironmentVariable("RESONANCE_BENCH_POSTGRES") is { Length: > 0 } pg)
            await RunAsync(output, "postgres", _ => EventStore.Postgres(pg, 3, Keys, NullLogger.Instance));
    }

    private static readonly MasterKeyRing Ring = new(new Dictionary<string, byte[]> { ["bench"] = RandomNumberGenerator.GetBytes(32) }, "bench");

    private static SubjectKeys Keys(ISubjectKeyStore store) => new(store, Ring, new PrivacyOptions(), NullLogger<SubjectKeys>.Instance);

    private static async Task RunAsync(TextWriter output, string dialect, Func<string, EventStore> create)
    {
        var subjects = Enumerable.Range(0, Subjects).Select(_ => Guid.NewGuid()).ToArray();
        var rates = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
        for (int run = 0; run < 2 * Runs; run++)
        {
            bool ledger = run % 2 == 1;
            string dir = Directory.CreateTempSubdirectory("resonance-ingest-").FullName;
            await using var store = create(dir);
            store.AppendsLeaves = ledger;
            await store.InitializeAsync(CancellationToken.None);
            var batches = Enumerable.Range(0, Batches + 1).Select(b => Enumerable.Range(0, EventWriter.MaxBatch).Select(k =>
            {
                int n = b * EventWriter.MaxBatch + k;
                return new EventRecord("bench", new SpaceEvent
                {
                    EventId = Guid.NewGuid(),
                    UserId = subjects[n % Subjects],
                    EventType = "insight",
                    DataJson = $"{{\"note\":\"a thought worth keeping, number {n}\",\"mood\":\"calm\",\"intensity\":0.{n % 10}}}",
                    X = n % 30,
                    Y = n % 17,
                    Resonance = 0.5,
                    TimestampUtc = DateTime.UtcNow,
                });
            }).ToList()).ToList();
            // The first batch creates the subjects' keys (once per subject in a deployment's life); the rest is steady state.
            await store.AppendAsync(batches[0], CancellationToken.None);
            var clock = Stopwatch.StartNew();
            foreach (var batch in batches.Skip(1)) await store.AppendAsync(batch, CancellationToken.None);
            double seconds = clock.Elapsed.TotalSeconds;
            rates[ledger].Add(Batches * EventWriter.MaxBatch / seconds);
            output.WriteLine(JsonSerializer.Serialize(new
            {
                @case = "event_ingest",
                dialect,
                run = run / 2,
                ledger,
                events = Batches * EventWriter.MaxBatch,
                seconds = Math.Round(seconds, 3),
                eventsPerSecond = Math.Round(Batches * EventWriter.MaxBatch / seconds),
            }));
            Directory.Delete(dir, true);
        }
        static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        output.WriteLine(JsonSerializer.Serialize(new
        {
            @case = "event_ingest_ledger_ratio",
            dialect,
            medianWithout = Math.Round(Median(rates[false])),
            medianWith = Math.Round(Median(rates[true])),
            ratio = Math.Round(Median(rates[true]) / Median(rates[false]), 3),
            pairRatios = rates[true].Zip(rates[false], (w, o) => Math.Round(w / o, 3)).ToArray(),
        }));
    }
}
