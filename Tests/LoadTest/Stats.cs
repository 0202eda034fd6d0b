using System.Collections.Concurrent;

namespace Resonance.LoadTest;

/// <summary>Kinds of client -> server messages the tool sends.</summary>
public enum OutKind { HarmonicStream, Heartbeat, ConsciousnessEvent, MemoryCrystallize }

/// <summary>Server -> client message types the tool tells apart.</summary>
public enum InKind
{
    Other, ConnectionEstablished, ResonanceUpdate, FieldFrame, HeartbeatAck, Ack, Error,
    ConsciousnessEvent, MemoryCrystallized, QuantumEntanglement, FieldSubscribed, Binary,
}

/// <summary>Latency paths the tool can time on one clock (all clients share this process).</summary>
public enum LatencyPath
{
    /// <summary>heartbeat {timestamp} -> heartbeat_ack {clientTimestamp}.</summary>
    Heartbeat,
    /// <summary>consciousness_event {ackId} -> ack {ackId}.</summary>
    Ack,
    /// <summary>consciousness_event from one client -> the relayed copy at any client of the space.</summary>
    Relay,
    /// <summary>memory_crystallize {memoryId} -> memory_crystallized {memoryId}.</summary>
    Memory,
}

/// <summary>
/// Counters shared by the scheduler and every receive loop. Plain Interlocked counters: at ~10^5
/// messages/s two cores contend on them far less than the socket work costs.
/// </summary>
public sealed class Stats
{
    public static readonly int OutKinds = Enum.GetValues<OutKind>().Length;
    public static readonly int InKinds = Enum.GetValues<InKind>().Length;
    public static readonly int Paths = Enum.GetValues<LatencyPath>().Length;

    public readonly long[] Out = new long[OutKinds];
    public readonly long[] In = new long[InKinds];
    public long SendsSkipped;
    public long ServerErrors;
    public long ConnectFailures;
    public long Disconnects;
    public long BadServerMessages;
    public long Connected;
    public long Open;

    /// <summary>Latency over the whole run, per path.</summary>
    public readonly LatencyHistogram[] Whole = NewSet();
    /// <summary>Latency after the ramp (steady state), per path.</summary>
    public readonly LatencyHistogram[] Steady = NewSet();
    /// <summary>How late the scheduler fired harmonic_stream sends versus plan: shows when the tool itself saturates.</summary>
    public readonly LatencyHistogram SchedulerLag = new();
    /// <summary>resonance_update lag (receive wall clock - its timestamp), measured window only.</summary>
    public readonly LatencyHistogram UpdateLag = new();
    /// <summary>The worst resonance_update lag of each second of the measured window.</summary>
    public readonly LagTimeline LagBySecond = new();
    /// <summary>How long a work item waited in the tool's thread pool (receive completions run there), measured window only.</summary>
    public readonly LatencyHistogram DispatchLag = new();
    /// <summary>resonance_updates received in the measured window, and their bytes.</summary>
    public long UpdatesInWindow, UpdateBytesInWindow;
    /// <summary>resonance_updates without a readable timestamp (not lag-timed).</summary>
    public long UpdatesWithoutTimestamp;

    public readonly ConcurrentDictionary<string, long> ErrorCodes = new(StringComparer.Ordinal);
    /// <summary>The first few error messages as received, so a run's errors say what they answered.</summary>
    public readonly ConcurrentQueue<string> ErrorSamples = new();
    private int _errorSamples;
    public readonly ConcurrentDictionary<string, long> CloseCodes = new(StringComparer.Ordinal);
    public readonly ConcurrentDictionary<string, long> ConnectErrors = new(StringComparer.Ordinal);

    /// <summary>
    /// True in the measured window: set once the ramp is over, cleared when the run ends; while set,
    /// samples also go to <see cref="Steady"/> and resonance_updates are lag-timed and counted.
    /// </summary>
    public volatile bool SteadyPhase;

    public const int MaxErrorSamples = 5;

    public void SampleError(ReadOnlySpan<byte> json)
    {
        if (Interlocked.Increment(ref _errorSamples) <= MaxErrorSamples)
            ErrorSamples.Enqueue(System.Text.Encoding.UTF8.GetString(json[..Math.Min(json.Length, 400)]));
    }

    private static readonly double MicrosPerTick = 1_000_000.0 / System.Diagnostics.Stopwatch.Frequency;

    private static LatencyHistogram[] NewSet()
    {
        var a = new LatencyHistogram[Enum.GetValues<LatencyPath>().Length];
        for (int i = 0; i < a.Length; i++) a[i] = new LatencyHistogram();
        return a;
    }

    public static long TicksToMicros(long ticks) => (long)(ticks * MicrosPerTick);

    public void RecordLatency(LatencyPath path, long elapsedTicks)
    {
        long us = TicksToMicros(elapsedTicks);
        Whole[(int)path].RecordMicros(us);
        if (SteadyPhase) Steady[(int)path].RecordMicros(us);
    }

    /// <summary>Times one received resonance_update (allocation-free: a prefix check and a backwards search).</summary>
    public void RecordUpdate(ReadOnlySpan<byte> json, long receiveUnixMicros)
    {
        if (!SteadyPhase) return;
        Interlocked.Increment(ref UpdatesInWindow);
        Interlocked.Add(ref UpdateBytesInWindow, json.Length);
        if (ResonanceUpdateScan.TryReadTimestamp(json, out long ts))
        {
            long lag = UpdateDelivery.LagMicros(receiveUnixMicros, ts);
            UpdateLag.RecordMicros(lag);
            LagBySecond.Record(receiveUnixMicros, lag);
        }
        else
            Interlocked.Increment(ref UpdatesWithoutTimestamp);
    }

    public long TotalOut()
    {
        long s = 0;
        for (int i = 0; i < Out.Length; i++) s += Volatile.Read(ref Out[i]);
        return s;
    }

    public long TotalIn()
    {
        long s = 0;
        for (int i = 0; i < In.Length; i++) s += Volatile.Read(ref In[i]);
        return s;
    }

    public static void Bump(ConcurrentDictionary<string, long> d, string key) =>
        d.AddOrUpdate(key, 1, static (_, v) => v + 1);
}
