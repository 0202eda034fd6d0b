namespace Resonance.Gateway.Auth;

/// <summary>
/// Holds a refused connection for a while (0.5 to 1.5 times the hold) before it is answered. A client that retries at once (a connection flood)
/// then makes at most one attempt per held connection and hold, instead of as many as it can: refusing an attempt on
/// the spot costs the server an accept, a request parse and an answer each, and a closed-loop flooder turns that into
/// thousands per second. A held connection costs a timer and a socket; at most <c>maxHeld</c> are held at once, beyond
/// that a refusal is answered at once (so the hold itself is bounded).
/// </summary>
public sealed class RefusalHold(TimeSpan hold, int maxHeld)
{
    private int _held;
    private long _heldTotal;

    /// <summary>Refusals that were held so far.</summary>
    public long HeldTotal => Interlocked.Read(ref _heldTotal);

    /// <summary>Waits out the hold (or returns at once when it is off, full, or the connection goes away).</summary>
    public async ValueTask WaitAsync(CancellationToken aborted)
    {
        if (hold <= TimeSpan.Zero) return;
        if (Interlocked.Increment(ref _held) > maxHeld)
        {
            Interlocked.Decrement(ref _held);
            return;
        }
        Interlocked.Increment(ref _heldTotal);
        try
        {
            // Spread over 0.5-1.5 holds: a flood's connections arrive together, and would otherwise come back together.
            await Task.Delay(hold * (0.5 + Random.Shared.NextDouble()), aborted);
        }
        catch (OperationCanceledException)
        {
            // The client gave up first: nothing is left to answer.
        }
        finally
        {
            Interlocked.Decrement(ref _held);
        }
    }
}
