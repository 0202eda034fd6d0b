using System.Buffers.Text;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Unicode;

namespace Resonance.LoadTest;

/// <summary>
/// One simulated mobile-app client: its socket, its (app-like) state, a fixed send buffer and the
/// tables of in-flight requests whose replies it times. The scheduler thread writes messages; the
/// receive loop reads replies; the pending tables are the only state both touch (publish/claim
/// with Volatile/Interlocked, no locks).
/// </summary>
public sealed class SimClient
{
    public const int StateNew = 0, StateOpen = 1, StateClosed = 2;
    private const int HeartbeatSlots = 4;   // one heartbeat per interval: a handful covers slow replies
    private const int AckSlots = 32;        // power of two: slot = seq & (AckSlots - 1)

    private static readonly string[] Intents = ["bloom", "collapse", "spiral", "entangle"];
    private static readonly string[] EventTypes = ["resonance_peak", "meditation_start", "harmonic_shift", "intention_set", "breath_sync"];
    private static readonly string[] Archetypes = ["seeker", "healer", "sage", "creator", "guardian"];
    // The app's tuning presets (solfeggio frequencies); each client hovers around one.
    private static readonly double[] BaseFrequencies = [174, 285, 396, 417, 432, 528, 639, 741, 852, 963];

    public readonly int Index;
    public readonly double StreamHz;
    public ClientWebSocket? Socket;
    public int State;
    /// <summary>1 while a SendAsync is in flight: ClientWebSocket allows one outstanding send.</summary>
    public int SendBusy;
    public readonly byte[] SendBuffer = new byte[768];
    /// <summary>Stopwatch ticks when the socket opened and when it closed (0: not yet), for delivered %.</summary>
    public long ConnectedAt, ClosedAt;

    // Field size from connection_established (positions must stay inside it); app default until then.
    public double Width = 30, Height = 30;

    // App-like state, touched only by the scheduler thread.
    private readonly double _baseFrequency;
    private readonly double _phaseStep;
    private double _frequency, _amplitude, _phase, _quantumFactor, _x, _y;
    private int _intent;
    private readonly Guid[] _memoryIds = new Guid[2];
    private int _memoryTurn;
    private long _heartbeatSeq, _ackSeq, _lastHeartbeatKey;

    // Pending requests: the key is published after the tick, so a reader that sees the key sees its tick.
    private readonly long[] _hbKey = new long[HeartbeatSlots];
    private readonly long[] _hbTick = new long[HeartbeatSlots];
    private readonly long[] _ackKey = new long[AckSlots];
    private readonly long[] _ackTick = new long[AckSlots];
    private readonly long[] _memTick = new long[2];
    private readonly int[] _memPending = new int[2];

    public SimClient(int index, Random rng, double minHz, double maxHz)
    {
        Index = index;
        StreamHz = minHz + rng.NextDouble() * (maxHz - minHz);
        _baseFrequency = BaseFrequencies[rng.Next(BaseFrequencies.Length)];
        _frequency = _baseFrequency;
        _amplitude = 0.3 + 0.6 * rng.NextDouble();
        _phase = rng.NextDouble() * 2 * Math.PI;
        _phaseStep = 0.05 + 0.5 * rng.NextDouble();
        _quantumFactor = rng.NextDouble();
        _intent = rng.Next(Intents.Length);
        _x = rng.NextDouble() * (Width - 0.001);
        _y = rng.NextDouble() * (Height - 0.001);
        Span<byte> g = stackalloc byte[16];
        for (int i = 0; i < _memoryIds.Length; i++)
        {
            rng.NextBytes(g);
            g[7] = (byte)((g[7] & 0x0F) | 0x40);   // version 4 and RFC variant, so it is a well-formed GUID
            g[8] = (byte)((g[8] & 0x3F) | 0x80);
            _memoryIds[i] = new Guid(g);
        }
    }

    // ---- outgoing (scheduler thread) ------------------------------------------------------------

    /// <summary>harmonic_stream with exactly the fields the app sends.</summary>
    public int WriteHarmonicStream(Random rng)
    {
        // Drift like a user dragging the app's sliders: small random walks around the preset.
        _frequency = Math.Clamp(_frequency + (rng.NextDouble() - 0.5) * 2, _baseFrequency * 0.9, _baseFrequency * 1.1);
        _amplitude = Math.Clamp(_amplitude + (rng.NextDouble() - 0.5) * 0.05, 0, 1);
        _phase = (_phase + _phaseStep) % (2 * Math.PI);
        _quantumFactor = Math.Clamp(_quantumFactor + (rng.NextDouble() - 0.5) * 0.1, 0, 1);
        if (rng.Next(50) == 0) _intent = rng.Next(Intents.Length);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Utf8.TryWrite(SendBuffer,
            $"{{\"type\":\"harmonic_stream\",\"frequency\":{_frequency:F3},\"amplitude\":{_amplitude:F4},\"phase\":{_phase:F4},\"quantumFactor\":{_quantumFactor:F4},\"consciousnessIntent\":\"{Intents[_intent]}\",\"timestamp\":{now}}}",
            out int n);
        return n;
    }

    /// <summary>heartbeat {timestamp: Unix ms}; the Stopwatch tick is kept under that timestamp.</summary>
    public int WriteHeartbeat()
    {
        long key = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (key <= _lastHeartbeatKey) key = _lastHeartbeatKey + 1;   // keys must be unique per client
        _lastHeartbeatKey = key;
        int slot = (int)(_heartbeatSeq++ % HeartbeatSlots);
        _hbTick[slot] = Stopwatch.GetTimestamp();
        Volatile.Write(ref _hbKey[slot], key);
        Utf8.TryWrite(SendBuffer, $"{{\"type\":\"heartbeat\",\"timestamp\":{key}}}", out int n);
        return n;
    }

    /// <summary>
    /// consciousness_event with ackId "a{seq}". Its data carries this process's Stopwatch tick
    /// ("lt") so a relayed copy arriving at any simulated client can be timed on the same clock.
    /// </summary>
    public int WriteConsciousnessEvent(Random rng)
    {
        long seq = ++_ackSeq;
        int slot = (int)(seq & (AckSlots - 1));
        long tick = Stopwatch.GetTimestamp();
        _ackTick[slot] = tick;
        Volatile.Write(ref _ackKey[slot], seq);
        // Sent with 3 decimals: stay below the exclusive bound after rounding (29.9996 would be sent as 30.000).
        double x = rng.NextDouble() * (Width - 0.001), y = rng.NextDouble() * (Height - 0.001);
        Utf8.TryWrite(SendBuffer,
            $"{{\"type\":\"consciousness_event\",\"eventType\":\"{EventTypes[rng.Next(EventTypes.Length)]}\",\"data\":{{\"intensity\":{rng.NextDouble():F3},\"lt\":{tick},\"src\":{Index}}},\"x\":{x:F3},\"y\":{y:F3},\"resonance\":{_amplitude:F4},\"ackId\":\"a{seq}\"}}",
            out int n);
        return n;
    }

    /// <summary>memory_crystallize of one of this client's two memories (first creates, later updates).</summary>
    public int WriteMemoryCrystallize(Random rng)
    {
        int m = _memoryTurn++ & 1;
        _memTick[m] = Stopwatch.GetTimestamp();
        Volatile.Write(ref _memPending[m], 1);
        _x = Math.Clamp(_x + (rng.NextDouble() - 0.5) * 4, 0, Width - 0.001); // sent with 3 decimals: stay below the bound after rounding
        _y = Math.Clamp(_y + (rng.NextDouble() - 0.5) * 4, 0, Height - 0.001);
        Utf8.TryWrite(SendBuffer,
            $"{{\"type\":\"memory_crystallize\",\"memoryId\":\"{_memoryIds[m]}\",\"x\":{_x:F3},\"y\":{_y:F3},\"harmonic\":{_frequency:F3},\"influence\":{0.2 + 0.6 * rng.NextDouble():F3},\"content\":\"load test memory {Index}-{m}\",\"archetype\":\"{Archetypes[Index % Archetypes.Length]}\"}}",
            out int n);
        return n;
    }

    // ---- incoming (receive loop) ----------------------------------------------------------------

    /// <summary>
    /// Classifies one text message and times it if it answers something this client sent. Reads
    /// only top-level fields (plus data.lt and config.width/height) with a forward-only reader and
    /// stops as soon as the type says there is nothing to time, so the 10 Hz resonance_update
    /// stream costs little.
    /// </summary>
    public InKind Handle(ReadOnlySpan<byte> json, Stats stats, long nowTick)
    {
        // Fast path for the 10 Hz broadcast (type first in both servers' messages): no JSON reader at all.
        if (ResonanceUpdateScan.IsResonanceUpdate(json))
        {
            stats.RecordUpdate(json, UpdateDelivery.UnixMicrosNow());
            return InKind.ResonanceUpdate;
        }
        InKind kind = InKind.Other;
        bool typed = false;
        double clientTs = double.NaN;
        long ackSeq = -1, relayTick = -1;
        Guid memoryId = Guid.Empty;
        string? code = null;
        try
        {
            var r = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) throw new JsonException("not an object");
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("type"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.String) { kind = Classify(ref r); typed = true; }
                    if (kind is InKind.ResonanceUpdate or InKind.FieldFrame or InKind.FieldSubscribed
                        or InKind.QuantumEntanglement or InKind.Other) break;
                }
                else if (r.ValueTextEquals("clientTimestamp"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.Number && r.TryGetDouble(out double d)) clientTs = d;
                }
                else if (r.ValueTextEquals("ackId"u8))
                {
                    r.Read();
                    var s = r.ValueSpan;
                    if (r.TokenType == JsonTokenType.String && s.Length > 1 && s[0] == (byte)'a'
                        && Utf8Parser.TryParse(s[1..], out long q, out int used) && used == s.Length - 1) ackSeq = q;
                }
                else if (r.ValueTextEquals("memoryId"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.String) Utf8Parser.TryParse(r.ValueSpan, out memoryId, out _);
                }
                else if (r.ValueTextEquals("code"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.String) code = r.GetString();
                }
                else if (r.ValueTextEquals("data"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.StartObject) relayTick = ReadLongProperty(ref r, "lt"u8);
                    else r.Skip();
                }
                else if (r.ValueTextEquals("config"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.StartObject) ReadConfig(ref r);
                    else r.Skip();
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
            }
        }
        catch (JsonException)
        {
            Interlocked.Increment(ref stats.BadServerMessages);
            return InKind.Other;
        }
        if (!typed) kind = InKind.Other;
        if (kind == InKind.ResonanceUpdate) stats.RecordUpdate(json, UpdateDelivery.UnixMicrosNow());   // a server that reorders fields

        switch (kind)
        {
            case InKind.HeartbeatAck when double.IsFinite(clientTs):
                long key = (long)Math.Round(clientTs);
                for (int i = 0; i < HeartbeatSlots; i++)
                {
                    // Claim the slot so a duplicate ack cannot be timed twice.
                    if (Volatile.Read(ref _hbKey[i]) == key && Interlocked.CompareExchange(ref _hbKey[i], 0, key) == key)
                    {
                        stats.RecordLatency(LatencyPath.Heartbeat, nowTick - _hbTick[i]);
                        break;
                    }
                }
                break;
            case InKind.Ack when ackSeq > 0:
                int slot = (int)(ackSeq & (AckSlots - 1));
                if (Volatile.Read(ref _ackKey[slot]) == ackSeq && Interlocked.CompareExchange(ref _ackKey[slot], 0, ackSeq) == ackSeq)
                    stats.RecordLatency(LatencyPath.Ack, nowTick - _ackTick[slot]);
                break;
            case InKind.ConsciousnessEvent when relayTick > 0 && relayTick <= nowTick:
                stats.RecordLatency(LatencyPath.Relay, nowTick - relayTick);
                break;
            case InKind.MemoryCrystallized when memoryId != Guid.Empty:
                for (int m = 0; m < _memoryIds.Length; m++)
                {
                    if (_memoryIds[m] == memoryId && Interlocked.Exchange(ref _memPending[m], 0) == 1)
                        stats.RecordLatency(LatencyPath.Memory, nowTick - _memTick[m]);
                }
                break;
            case InKind.Error:
                Interlocked.Increment(ref stats.ServerErrors);
                Stats.Bump(stats.ErrorCodes, code ?? "(none)");
                stats.SampleError(json);
                break;
        }
        return kind;
    }

    private static InKind Classify(ref Utf8JsonReader r)
    {
        if (r.ValueTextEquals("resonance_update"u8)) return InKind.ResonanceUpdate;
        if (r.ValueTextEquals("heartbeat_ack"u8)) return InKind.HeartbeatAck;
        if (r.ValueTextEquals("ack"u8)) return InKind.Ack;
        if (r.ValueTextEquals("error"u8)) return InKind.Error;
        if (r.ValueTextEquals("consciousness_event"u8)) return InKind.ConsciousnessEvent;
        if (r.ValueTextEquals("memory_crystallized"u8)) return InKind.MemoryCrystallized;
        if (r.ValueTextEquals("connection_established"u8)) return InKind.ConnectionEstablished;
        if (r.ValueTextEquals("field_frame"u8)) return InKind.FieldFrame;
        if (r.ValueTextEquals("quantum_entanglement"u8)) return InKind.QuantumEntanglement;
        if (r.ValueTextEquals("field_subscribed"u8)) return InKind.FieldSubscribed;
        return InKind.Other;
    }

    /// <summary>Reads an object (reader on its StartObject) and returns integer property <paramref name="name"/>, or -1.</summary>
    private static long ReadLongProperty(ref Utf8JsonReader r, ReadOnlySpan<byte> name)
    {
        long value = -1;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            bool match = r.ValueTextEquals(name);
            r.Read();
            if (match && r.TokenType == JsonTokenType.Number && r.TryGetInt64(out long v)) value = v;
            else r.Skip();
        }
        return value;
    }

    private void ReadConfig(ref Utf8JsonReader r)
    {
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            bool w = r.ValueTextEquals("width"u8), h = r.ValueTextEquals("height"u8);
            r.Read();
            if ((w || h) && r.TokenType == JsonTokenType.Number && r.TryGetDouble(out double v) && v > 0 && double.IsFinite(v))
            {
                if (w) Width = v; else Height = v;
            }
            else r.Skip();
        }
    }
}
