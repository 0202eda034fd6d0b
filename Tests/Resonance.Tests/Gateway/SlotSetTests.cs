using Resonance.Gateway.Spaces;

namespace Resonance.Tests.Gateway;

/// <summary>The set a hub's broadcasts walk: what a snapshot holds, before and after members come and go.</summary>
public sealed class SlotSetTests
{
    private sealed class Member(int id)
    {
        public int Id { get; } = id;
    }

    private static int[] Ids(SlotView<Member> view) => view.ToList().Select(m => m.Id).Order().ToArray();

    [Fact]
    public void A_snapshot_holds_exactly_the_members_through_adds_removes_and_compactions()
    {
        var set = new SlotSet<Member>();
        var members = Enumerable.Range(0, 500).Select(i => new Member(i)).ToArray();
        var expected = new SortedSet<int>();
        var random = new Random(7);
        for (int step = 0; step < 20_000; step++)
        {
            var m = members[random.Next(members.Length)];
            if (random.Next(2) == 0) Assert.Equal(expected.Add(m.Id), set.Add(m));
            else Assert.Equal(expected.Remove(m.Id), set.Remove(m));
            if (step % 97 == 0)
            {
                Assert.Equal(expected.ToArray(), Ids(set.Snapshot()));
                Assert.Equal(expected.Count, set.Count);
            }
        }
        Assert.Equal(expected.ToArray(), Ids(set.Snapshot()));
    }

    [Fact]
    public void A_snapshot_taken_before_changes_still_reads_every_member_it_had_that_stayed()
    {
        var set = new SlotSet<Member>();
        var stay = Enumerable.Range(0, 100).Select(i => new Member(i)).ToArray();
        var leave = Enumerable.Range(100, 100).Select(i => new Member(i)).ToArray();
        foreach (var m in stay.Concat(leave)) set.Add(m);
        var before = set.Snapshot();

        // Enough leavers and newcomers to compact and to grow the slots more than once.
        foreach (var m in leave) set.Remove(m);
        foreach (var m in Enumerable.Range(200, 300).Select(i => new Member(i))) set.Add(m);

        var seen = Ids(before);
        Assert.Subset(seen.ToHashSet(), stay.Select(m => m.Id).ToHashSet());
        Assert.Equal(400, Ids(set.Snapshot()).Length);
    }

    [Fact]
    public void Empty_slots_are_skipped_and_never_offered()
    {
        var set = new SlotSet<Member>();
        var members = Enumerable.Range(0, 10).Select(i => new Member(i)).ToArray();
        foreach (var m in members) set.Add(m);
        set.Remove(members[3]);
        set.Remove(members[7]);

        var view = set.Snapshot();
        Assert.True(view.Slots >= 10);
        Assert.Equal([0, 1, 2, 4, 5, 6, 8, 9], Ids(view));
        int nulls = Enumerable.Range(0, view.Slots).Count(i => view[i] is null);
        Assert.Equal(2, nulls);
    }

    [Fact]
    public async Task Readers_walking_while_members_come_and_go_always_see_every_member_that_stays()
    {
        var set = new SlotSet<Member>();
        var stay = Enumerable.Range(0, 200).Select(i => new Member(i)).ToArray();
        foreach (var m in stay) set.Add(m);
        var churn = Enumerable.Range(1000, 300).Select(i => new Member(i)).ToArray();
        using var stop = new CancellationTokenSource();
        long walks = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();

        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var ids = new HashSet<int>();
                foreach (var m in set.Snapshot()) ids.Add(m.Id);
                int missing = stay.Count(m => !ids.Contains(m.Id));
                if (missing > 0) failures.Enqueue($"a walk missed {missing} of the members that stayed");
                Interlocked.Increment(ref walks);
            }
        })).ToArray();

        var random = new Random(11);
        for (int step = 0; step < 200_000 || Interlocked.Read(ref walks) < 200; step++)
        {
            var m = churn[random.Next(churn.Length)];
            if (random.Next(2) == 0) set.Add(m); else set.Remove(m);
        }
        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.Empty(failures);
    }
}
