using Resonance.Grains;
using Resonance.Grains.Events;

namespace Resonance.Tests.Events;

/// <summary>Events scattered around the field (some exactly on a query circle, some without a position) and a brute-force check.</summary>
public static class ProximityData
{
    public static List<EventRecord> Records(string space, DateTime start)
    {
        var random = new Random(4242);
        var records = new List<EventRecord>();
        for (int i = 0; i < 400; i++)
        {
            bool positioned = i % 10 != 0;
            records.Add(TestEvents.Make(space, start.AddMilliseconds(i),
                positioned ? Math.Round(random.NextDouble() * 30, 3) : null,
                positioned ? Math.Round(random.NextDouble() * 30, 3) : null, random.NextDouble()));
        }
        // On the circle of radius 5 around (10, 10) (a 3-4-5 triangle) and just outside it: the boundary is inclusive.
        records.Add(TestEvents.Make(space, start.AddSeconds(1), 13, 14));
        records.Add(TestEvents.Make(space, start.AddSeconds(1), 10, 5));
        records.Add(TestEvents.Make(space, start.AddSeconds(1), 15.000001, 10));
        return records;
    }

    public static async Task CheckAsync(IEventStore store, List<EventRecord> records)
    {
        string space = records[0].Space;
        var from = records.Min(r => r.Event.TimestampUtc).AddSeconds(-1);
        var to = records.Max(r => r.Event.TimestampUtc).AddSeconds(1);
        foreach (var (x, y, radius) in new[] { (10.0, 10.0, 5.0), (0.0, 0.0, 7.5), (29.0, 3.0, 12.25), (15.0, 15.0, 0.0), (15.0, 15.0, 100.0) })
        {
            var expected = records
                .Where(r => r.Event.X is { } ex && r.Event.Y is { } ey && Math.Sqrt((ex - x) * (ex - x) + (ey - y) * (ey - y)) <= radius)
                .Select(r => r.Event.EventId).ToHashSet();
            var got = await store.QueryAsync(new EventQuery(space, from, to, 10_000, (x, y, radius)), CancellationToken.None);
            Assert.Equal(expected, got.Select(r => r.Event.EventId).ToHashSet());
            Assert.Equal(expected.Count, got.Count);
            if (radius == 5.0)
            {
                Assert.Contains(records[^3].Event.EventId, expected);
                Assert.Contains(records[^2].Event.EventId, expected);
                Assert.DoesNotContain(records[^1].Event.EventId, expected);
            }
        }
        Assert.Equal(records.Count, (await store.QueryAsync(new EventQuery(space, from, to, 10_000), CancellationToken.None)).Count);
    }
}
