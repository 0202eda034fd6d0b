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
/// sealing every payload under its subject's data key. Prints events/s per run (a figure, not a test).
/// </summary>
public static class EventIngestBenchmarkCases
{
    private const int Batches = 100, Subjects = 1000, Runs = 3;

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
        for (int run = 0; run < Runs; run++)
        {
            string dir = Directory.CreateTempSubdirectory("resonance-ingest-").FullName;
            await using var store = create(dir);
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
            output.WriteLine(JsonSerializer.Serialize(new
            {
                @case = "event_ingest",
                dialect,
                run,
                events = Batches * EventWriter.MaxBatch,
                seconds = Math.Round(seconds, 3),
                eventsPerSecond = Math.Round(Batches * EventWriter.MaxBatch / seconds),
            }));
            Directory.Delete(dir, true);
        }
    }
}
