namespace Resonance.Tests.Cluster;

/// <summary>Polls a condition until it holds or a deadline passes (no fixed sleeps as synchronisation).</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        T last = await probe();
        while (!done(last))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Condition not reached in time: {what ?? "(unnamed)"}; last value: {last}");
            await Task.Delay(25);
            last = await probe();
        }
        return last;
    }
}
