using Resonance.Grains;
using Resonance.Grains.Events;

namespace Resonance.Tests.Events;

/// <summary>Events over several completed minutes: blobs of positions, repeating users, some events without position or resonance.</summary>
public static class RollupData
{
    public static List<EventRecord> Records(string space, DateTime firstMinute, int minutes)
    {
        var random = new Random(1234);
        var users = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid()).ToArray();
        var records = new List<EventRecord>();
        for (int m = 0; m < minutes; m++)
        {
            var minute = firstMinute.AddMinutes(m);
            int count = m == 1 ? 6 : 15 + 23 * m;
            var centres = Enumerable.Range(0, 2 + m % 4).Select(_ => (X: 3 + random.NextDouble() * 24, Y: 3 + random.NextDouble() * 24)).ToArray();
            for (int i = 0; i < count; i++)
            {
                var c = centres[i % centres.Length];
                bool positioned = m != 1 && i % 7 != 3;   // minute 1 has no positions at all
                records.Add(TestEvents.Make(space, minute.AddMilliseconds(random.Next(0, 60_000)),
                    positioned ? c.X + random.NextDouble() * 2 - 1 : null,
                    positioned ? c.Y + random.NextDouble() * 2 - 1 : null,
                    i % 5 == 0 ? null : random.NextDouble(),
                    users[random.Next(users.Length)]));
            }
        }
        return records;
    }
}
