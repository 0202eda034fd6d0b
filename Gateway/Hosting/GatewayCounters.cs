using System.Collections.Concurrent;

namespace Resonance.Gateway.Hosting;

/// <summary>Process-wide counters of the gateway (exported as metrics and in <c>/api/spaces/{id}/stats</c>).</summary>
public sealed class GatewayCounters
{
    private long _connected, _messagesIn, _messagesOut, _errors, _framesDropped, _restRequests, _restTicks;

    public ConcurrentDictionary<string, long> ErrorsByCode { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, long> MessagesInByType { get; } = new(StringComparer.Ordinal);

    public long Connected => Interlocked.Read(ref _connected);
    public long MessagesIn => Interlocked.Read(ref _messagesIn);
    public long MessagesOut => Interlocked.Read(ref _messagesOut);
    public long Errors => Interlocked.Read(ref _errors);
    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    public void SessionOpened() => Interlocked.Increment(ref _connected);
    public void SessionClosed() => Interlocked.Decrement(ref _connected);
    public void MessageIn(string type)
    {
        Interlocked.Increment(ref _messagesIn);
        MessagesInByType.AddOrUpdate(type, 1, (_, n) => n + 1);
    }
    public void MessageOut() => Interlocked.Increment(ref _messagesOut);
    public void Error(string code)
    {
        Interlocked.Increment(ref _errors);
        ErrorsByCode.AddOrUpdate(code, 1, (_, n) => n + 1);
    }
    public void FrameDropped() => Interlocked.Increment(ref _framesDropped);

    /// <summary>Records one REST request's duration (for the measured averageResponseTime).</summary>
    public void RestRequest(TimeSpan elapsed)
    {
        Interlocked.Increment(ref _restRequests);
        Interlocked.Add(ref _restTicks, elapsed.Ticks);
    }

    public double AverageRestResponseMs
    {
        get
        {
            long n = Interlocked.Read(ref _restRequests);
            return n == 0 ? 0 : TimeSpan.FromTicks(Interlocked.Read(ref _restTicks) / n).TotalMilliseconds;
        }
    }
}
