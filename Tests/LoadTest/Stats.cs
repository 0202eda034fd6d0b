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

    public readonly ConcurrentDictionary<string, long> ErrorCodes = new(StringComparer.Ordinal);
    public readonly ConcurrentDictionary<string, long> CloseCodes = new(StringComparer.Ordinal);
    public readonly ConcurrentDictionary<string, long> ConnectErrors = new(StringComparer.Ordinal);

    /// <summary>Set once the ramp is over; from then on samples also go to <see cref="Steady"/>.</summary>
    public volatile bool SteadyPhase;

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
