using Resonance.Gateway.Sessions;

namespace Resonance.Tests.Gateway;

public sealed class RateBudgetTests
{
    [Fact]
    public void A_burst_beyond_the_capacity_is_refused_and_refills_with_time()
    {
        long now = 1_000;
        var budget = new RateBudget(perSecond: 10, capacity: 20, clockMs: () => now);
        for (int k = 0; k < 20; k++) Assert.True(budget.TryTake());
        Assert.False(budget.TryTake());
        now += 500; // five tokens
        for (int k = 0; k < 5; k++) Assert.True(budget.TryTake());
        Assert.False(budget.TryTake());
        now += 60_000; // refills to the capacity, not beyond
        for (int k = 0; k < 20; k++) Assert.True(budget.TryTake());
        Assert.False(budget.TryTake());
    }

    [Fact]
    public void Time_the_server_spent_on_a_message_is_credited_beyond_the_capacity_and_bounded()
    {
        long now = 1_000;
        var budget = new RateBudget(perSecond: 10, capacity: 20, clockMs: () => now);
        for (int k = 0; k < 20; k++) Assert.True(budget.TryTake());
        // A commit took 8 s while the client kept sending at its rate: 80 messages wait in the socket.
        now += 8_000;
        budget.CreditServerTime(8_000);
        for (int k = 0; k < 80; k++) Assert.True(budget.TryTake());
        // Bounded: never more than the capacity plus 30 s of rate, however long the server was busy.
        budget.CreditServerTime(3_600_000);
        int taken = 0;
        while (budget.TryTake()) taken++;
        Assert.True(taken <= 20 + 300, $"{taken} tokens");
        Assert.False(budget.TryTake());
    }

    [Fact]
    public void What_piled_up_while_the_server_stalled_is_not_charged_to_the_client()
    {
        long now = 1_000;
        using var stall = new ServerStall(measure: false);
        var budget = new RateBudget(perSecond: 10, capacity: 20, stall, () => now);
        for (int k = 0; k < 20; k++) Assert.True(budget.TryTake());
        Assert.False(budget.TryTake());

        // The server was stalled for 6 s: a client at 10/s sent 60 messages meanwhile, which now arrive at once.
        stall.Add(TimeSpan.FromSeconds(6));
        for (int k = 0; k < 60; k++) Assert.True(budget.TryTake(), $"message {k} of the burst");
        Assert.False(budget.TryTake());
    }

    [Fact]
    public void The_stall_credit_is_bounded()
    {
        long now = 1_000;
        using var stall = new ServerStall(measure: false);
        var budget = new RateBudget(perSecond: 10, capacity: 20, stall, () => now);
        stall.Add(TimeSpan.FromHours(1));
        int taken = 0;
        while (budget.TryTake()) taken++;
        Assert.Equal(20 + 30 * 10, taken);
    }
}
