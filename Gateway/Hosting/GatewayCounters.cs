using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Resonance.Gateway.Hosting;

/// <summary>
/// The gateway's counters: kept as numbers for <c>/api/spaces/{id}/stats</c> and exported as OpenTelemetry instruments
/// (meter <c>Resonance.Gateway</c>; at <c>/metrics</c> as <c>resonance_gateway_*</c>).
/// </summary>
public sealed class GatewayCounters : IDisposable
{
    public const string MeterName = "Resonance.Gateway";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _in, _out, _errors, _dropped, _cut, _refused;
    private readonly Histogram<double> _latency;
    private long _unanswered;
    private long _connected, _messagesIn, _messagesOut, _errorCount, _framesDropped, _restRequests, _restTicks;

    public ConcurrentDictionary<string, long> ErrorsByCode { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, long> MessagesInByType { get; } = new(StringComparer.Ordinal);

    /// <summary>Sessions this side ended, by reason (<c>idle</c>, <c>pong_timeout</c>, <c>send_timeout</c>, <c>message_timeout</c>, <c>message_too_big</c>, <c>too_slow</c>).</summary>
    public ConcurrentDictionary<string, long> SessionsCutByReason { get; } = new(StringComparer.Ordinal);

    public GatewayCounters()
    {
        _meter.CreateObservableGauge("resonance_gateway_connected_clients", () => Connected, description: "Open WebSocket sessions.");
        _meter.CreateObservableGauge("resonance_gateway_unanswered_sessions", () => UnansweredSessions,
            description: "Sessions whose ping is unanswered past PongGrace (they get broadcasts at a reduced rate).");
        _in = _meter.CreateCounter<long>("resonance_gateway_messages_in", description: "Valid client messages by type.");
        _out = _meter.CreateCounter<long>("resonance_gateway_messages_out", description: "Messages sent to clients by type.");
        _errors = _meter.CreateCounter<long>("resonance_gateway_errors", description: "Errors answered to clients by code.");
        _cut = _meter.CreateCounter<long>("resonance_gateway_sessions_cut", description: "Sessions the gateway ended itself, by reason (idle, pong_timeout, send_timeout, message_timeout, message_too_big, too_slow).");
        _refused = _meter.CreateCounter<long>("resonance_gateway_connections_refused", description: "Connections refused before a session, by reason (address_cap: the address holds its share of TCP connections; session_cap: of WebSocket sessions).");
        _dropped = _meter.CreateCounter<long>("resonance_gateway_frames_dropped", description: "Droppable messages superseded in a slow client's queue.");
        _latency = _meter.CreateHistogram<double>("resonance_gateway_event_latency", unit: "s",
            description: "From the moment the gateway has a message for a client (a tick, a frame, a relayed event, a reply) until it is written to the client's socket.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
    }

    /// <summary>Snapshot cache figures are observed from the cache itself.</summary>
    public void ObserveCache(Func<long> hits, Func<long> misses)
    {
        _meter.CreateObservableCounter("resonance_snapshot_cache_hits", hits, description: "REST field snapshots served from the cache.");
        _meter.CreateObservableCounter("resonance_snapshot_cache_misses", misses, description: "REST field snapshots rendered.");
    }

    public long Connected => Interlocked.Read(ref _connected);
    public long MessagesIn => Interlocked.Read(ref _messagesIn);
    public long MessagesOut => Interlocked.Read(ref _messagesOut);
    public long Errors => Interlocked.Read(ref _errorCount);
    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    /// <summary>Sessions whose ping is unanswered past the grace, as of the pump's last look.</summary>
    public long UnansweredSessions => Interlocked.Read(ref _unanswered);

    public void Unanswered(int delta) => Interlocked.Add(ref _unanswered, delta);

    /// <summary>A connection refused for <paramref name="reason"/> (<c>address_cap</c>, <c>session_cap</c>).</summary>
    public void ConnectionRefused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void SessionOpened() => Interlocked.Increment(ref _connected);
    public void SessionClosed() => Interlocked.Decrement(ref _connected);

    public void MessageIn(string type)
    {
        Interlocked.Increment(ref _messagesIn);
        MessagesInByType.AddOrUpdate(type, 1, (_, n) => n + 1);
        _in.Add(1, new KeyValuePair<string, object?>("type", type));
    }

    /// <summary>A message reached a client's socket; <paramref name="enqueuedTimestamp"/> is a Stopwatch timestamp.</summary>
    public void MessageOut(string type, long enqueuedTimestamp)
    {
        Interlocked.Increment(ref _messagesOut);
        _out.Add(1, new KeyValuePair<string, object?>("type", type));
        if (enqueuedTimestamp > 0) _latency.Record(Stopwatch.GetElapsedTime(enqueuedTimestamp).TotalSeconds);
    }

    /// <summary>A message offered to <paramref name="sessions"/> sessions at once; the latency is the whole broadcast's.</summary>
    public void Broadcast(string type, int sessions, long startedTimestamp)
    {
        Interlocked.Add(ref _messagesOut, sessions);
        _out.Add(sessions, new KeyValuePair<string, object?>("type", type));
        _latency.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
    }

    public void Error(string code)
    {
        Interlocked.Increment(ref _errorCount);
        ErrorsByCode.AddOrUpdate(code, 1, (_, n) => n + 1);
        _errors.Add(1, new KeyValuePair<string, object?>("code", code));
    }

    public void SessionCut(string reason)
    {
        SessionsCutByReason.AddOrUpdate(reason, 1, (_, n) => n + 1);
        _cut.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    public void FrameDropped()
    {
        Interlocked.Increment(ref _framesDropped);
        _dropped.Add(1);
    }

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

    public void Dispose() => _meter.Dispose();
}
