using Resonance.Grains;
using Resonance.Grains.Events;
using Xunit;
using static Resonance.Grains.Rollups.Minutes;

namespace Resonance.Tests.Events;

/// <summary>
/// Late events against a real store: events committed long after their minute was rolled up (well past Grace) update that
/// minute's rollup, and so do events of an old minute (within retention) that was never rolled up; a resend of stored
/// events changes nothing. Every rollup is checked against <see cref="ReferenceRollup"/> over all of its minute's events.
/// </summary>
public static class LateEvents
{
    public static async Task AssertLateEventsUpdateTheirMinutes(IEventStore store, IRollupGrain grain, string space)
    {
        var first = Floor(DateTime.UtcNow).AddMinutes(-6);
        var onTime = RollupData.Records(space, first, 3);
        await store.AppendAsync(onTime, CancellationToken.None);
        Assert.Equal(3, await grain.RollUpNow());
        await AssertRollups(grain, space, first, onTime, minutes: 3);

        // Late: more events of the middle minute, and of a minute two hours back that never had any, committed now.
        var late = RollupData.Records(space, first.AddMinutes(1), 1)
            .Concat(RollupData.Records(space, first.AddHours(-2), 1)).ToList();
        Assert.All(late, r => Assert.True(DateTime.UtcNow - r.Event.TimestampUtc > TimeSpan.FromMinutes(4), "late means well after Grace"));
        await store.AppendAsync(late, CancellationToken.None);
        Assert.Equal(2, await grain.RollUpNow());
        var all = onTime.Concat(late).ToList();
        await AssertRollups(grain, space, first, all, minutes: 3);
        await AssertRollups(grain, space, first.AddHours(-2), all, minutes: 1);
        var middle = (await grain.Get(first.AddMinutes(1), first.AddMinutes(2), 10)).Single();
        Assert.Equal(onTime.Count(r => Floor(r.Event.TimestampUtc) == first.AddMinutes(1)) + 15, middle.EventCount);

        // Nothing new: nothing is recomputed; a resend (same ids) is not new either.
        Assert.Equal(0, await grain.RollUpNow());
        await store.AppendAsync(late, CancellationToken.None);
        Assert.Equal(0, await grain.RollUpNow());
        await AssertRollups(grain, space, first, all, minutes: 3);
    }

    private static async Task AssertRollups(IRollupGrain grain, string space, DateTime from, List<EventRecord> records, int minutes)
    {
        var to = from.AddMinutes(minutes);
        var expected = records.Where(r => r.Event.TimestampUtc >= from && r.Event.TimestampUtc < to)
            .GroupBy(r => Floor(r.Event.TimestampUtc)).OrderBy(g => g.Key)
            .Select(g => ReferenceRollup.Compute(space, g.Key, g.Select(r => new ReferenceRollup.Raw(r.Event.UserId, r.Event.X, r.Event.Y, r.Event.Resonance)).ToList()))
            .ToList();
        var stored = await grain.Get(from, to, 100);
        Assert.Equal(minutes, expected.Count);
        Assert.Equal(minutes, stored.Length);
        for (int m = 0; m < minutes; m++) ReferenceRollup.AssertEqual(expected[m], stored[m]);
    }
}
