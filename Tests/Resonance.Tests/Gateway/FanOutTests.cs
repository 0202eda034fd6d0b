using System.Collections.Concurrent;
using Resonance.Gateway.Spaces;

namespace Resonance.Tests.Gateway;

public sealed class FanOutTests
{
    private sealed class Member(int id)
    {
        public int Id { get; } = id;
        public bool Reads => Id % 3 != 0;
    }

    private static SlotView<Member> Members(int count, out SlotSet<Member> set)
    {
        set = new SlotSet<Member>();
        var all = Enumerable.Range(0, count).Select(i => new Member(i)).ToList();
        foreach (var m in all) set.Add(m);
        // A few holes, as leavers leave them.
        foreach (var m in all.Where(m => m.Id % 97 == 5)) set.Remove(m);
        return set.Snapshot();
    }

    [Theory]
    [InlineData(10, false)]
    [InlineData(10, true)]
    [InlineData(3000, false)]
    [InlineData(3000, true)]
    public void Every_member_is_offered_once(int count, bool twoPasses)
    {
        using var fanOut = new FanOut(2);
        var members = Members(count, out var set);
        var offered = new ConcurrentDictionary<int, int>();
        fanOut.Offer(members, "m", (m, _) => offered.AddOrUpdate(m.Id, 1, (_, n) => n + 1), twoPasses ? m => m.Reads : null);

        var expected = Enumerable.Range(0, count).Where(i => i % 97 != 5).ToHashSet();
        Assert.Equal(set.Count, expected.Count);
        Assert.True(expected.SetEquals(offered.Keys));
        Assert.All(offered.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public void On_each_thread_the_picked_members_go_before_the_others()
    {
        using var fanOut = new FanOut(2);
        var members = Members(3000, out _);
        var byThread = new ConcurrentDictionary<int, List<bool>>();
        fanOut.Offer(members, "m", (m, _) => byThread.GetOrAdd(Environment.CurrentManagedThreadId, _ => []).Add(m.Reads), m => m.Reads);

        // Split across both threads (3,000 members are more than one chunk), and each thread's share has both kinds.
        Assert.Equal(2, byThread.Count);
        foreach (var order in byThread.Values)
        {
            int firstUnpicked = order.IndexOf(false);
            Assert.True(firstUnpicked > 0);
            Assert.DoesNotContain(true, order.Skip(firstUnpicked));
        }
    }
}
