using System.Buffers;
using System.Text.Json;
using Resonance.Grains;

namespace Resonance.Gateway.Protocol;

/// <summary>Serialises server -> client messages to UTF-8 JSON. Messages shared by many clients are serialised once.</summary>
public static class ServerMessages
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    public static long UnixMs(DateTime utc) => (long)(utc - DateTime.UnixEpoch).TotalMilliseconds;

    // One scratch writer per thread: Utf8JsonWriter asks its buffer for 4 KiB at a time, so a fresh buffer per message
    // made ~4.5 KB of garbage for every error or reply of a few dozen bytes (docs/benchmarks.md, "Hostile clients
    // without garbage"). Only the message's own array is allocated now.
    [ThreadStatic] private static Scratch? t_scratch;

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        // Taken, not borrowed: a body that wrote another message on this thread would get a scratch of its own.
        var scratch = t_scratch ?? new Scratch();
        t_scratch = null;
        try
        {
            scratch.Writer.WriteStartObject();
            body(scratch.Writer);
            scratch.Writer.WriteEndObject();
            scratch.Writer.Flush();
            return scratch.Buffer.WrittenSpan.ToArray();
        }
        finally
        {
            // A rare large message (a tick with many peaks) does not pin its buffer to the thread for good.
            if (scratch.Reset()) t_scratch = scratch;
        }
    }

    private sealed class Scratch
    {
        private const int KeepAtMostBytes = 64 * 1024;
        public readonly ArrayBufferWriter<byte> Buffer = new(8 * 1024);
        public readonly Utf8JsonWriter Writer;

        public Scratch() => Writer = new Utf8JsonWriter(Buffer, WriterOptions);

        /// <summary>Ready for the next message; false when the buffer grew too large to keep.</summary>
        public bool Reset()
        {
            if (Buffer.Capacity > KeepAtMostBytes) return false;
            Buffer.ResetWrittenCount();
            Writer.Reset(Buffer);
            return true;
        }
    }

    /// <summary><paramref name="userId"/> is the caller's public id in the space; <paramref name="subject"/> is set for a token's session.</summary>
    public static byte[] ConnectionEstablished(Guid userId, Guid? subject, string space, SpaceConfig config, SpaceTick tick) => Write(w =>
    {
        w.WriteString("type", "connection_established");
        w.WriteString("userId", userId);
        if (subject is { } s) w.WriteString("subject", s);
        w.WriteString("space", space);
        w.WriteNumber("globalResonance", tick.GlobalResonance);
        w.WriteNumber("activeNodes", tick.ActiveNodes);
        w.WriteNumber("quantumCoherence", tick.QuantumCoherence);
        w.WriteNumber("phiCascades", tick.PairCount);
        w.WriteStartObject("config");
        w.WriteNumber("width", config.Width);
        w.WriteNumber("height", config.Height);
        w.WriteNumber("spacing", config.Spacing);
        w.WriteString("kernel", config.Kernel);
        w.WriteNumber("cutoff", config.Cutoff);
        w.WriteNumber("tickHz", config.TickHz);
        w.WriteString("background", config.Background);
        w.WriteNumber("beta", config.Beta);
        w.WriteBoolean("clamp", config.Clamp);
        w.WriteString("saturation", config.Saturation ?? "clamp");
        w.WriteEndObject();
        w.WriteNumber("timestamp", UnixMs(DateTime.UtcNow));
    });

    public static byte[] ResonanceUpdate(SpaceTick tick) => Write(w =>
    {
        w.WriteString("type", "resonance_update");
        w.WriteNumber("seq", tick.Seq);
        w.WriteNumber("globalResonance", tick.GlobalResonance);
        w.WriteNumber("activeNodes", tick.ActiveNodes);
        w.WriteNumber("memoryNodes", tick.MemoryNodes);
        w.WriteNumber("quantumCoherence", tick.QuantumCoherence);
        w.WriteNumber("meanPhase", tick.MeanPhase);
        w.WriteStartArray("harmonicField");
        foreach (var p in tick.Peaks)
        {
            w.WriteStartObject();
            w.WriteNumber("x", p.X);
            w.WriteNumber("y", p.Y);
            w.WriteNumber("intensity", p.Intensity);
            w.WriteNumber("resonance", p.Resonance);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("phiHarmonics");
        foreach (var p in tick.Pairs)
        {
            w.WriteStartObject();
            w.WriteString("node1", p.Node1);
            w.WriteString("node2", p.Node2);
            w.WriteString("ratio", p.Ratio);
            w.WriteNumber("strength", p.Strength);
            w.WriteString("type", p.Type);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("phiCascades", tick.PairCount);
        w.WriteNumber("fieldMin", tick.FieldMin);
        w.WriteNumber("fieldMax", tick.FieldMax);
        w.WriteNumber("fieldMean", tick.FieldMean);
        w.WriteNumber("timestamp", UnixMs(tick.TimestampUtc));
    });

    public static byte[] HeartbeatAck(double? clientTimestamp) => Write(w =>
    {
        w.WriteString("type", "heartbeat_ack");
        w.WriteNumber("timestamp", UnixMs(DateTime.UtcNow));
        if (clientTimestamp is { } ts) w.WriteNumber("clientTimestamp", ts);
    });

    public static byte[] Error(string code, string message, string? field = null, string? reference = null) => Write(w =>
    {
        w.WriteString("type", "error");
        w.WriteString("code", code);
        w.WriteString("message", message);
        if (field is not null) w.WriteString("field", field);
        if (reference is not null) w.WriteString("ref", reference);
    });

    public static byte[] Ack(string ackId, Guid eventId) => Write(w =>
    {
        w.WriteString("type", "ack");
        w.WriteString("ackId", ackId);
        w.WriteString("eventId", eventId);
        w.WriteNumber("timestamp", UnixMs(DateTime.UtcNow));
    });

    public static byte[] QuantumEntanglement(Guid partner, double strength, EntanglementState state) => Write(w =>
    {
        w.WriteString("type", "quantum_entanglement");
        w.WriteString("partnerId", partner);
        w.WriteNumber("strength", strength);
        w.WriteString("state", state switch
        {
            EntanglementState.Formed => "formed",
            EntanglementState.Broken => "broken",
            _ => "requested",
        });
        w.WriteNumber("timestamp", UnixMs(DateTime.UtcNow));
    });

    public static byte[] ConsciousnessEvent(SpaceEvent e) => Write(w =>
    {
        w.WriteString("type", "consciousness_event");
        w.WriteString("eventId", e.EventId);
        w.WriteString("userId", e.UserId);
        w.WriteString("eventType", e.EventType);
        w.WritePropertyName("data");
        w.WriteRawValue(e.DataJson, skipInputValidation: true);
        if (e.X is { } x) w.WriteNumber("x", x);
        if (e.Y is { } y) w.WriteNumber("y", y);
        if (e.Resonance is { } r) w.WriteNumber("resonance", r);
        w.WriteNumber("timestamp", UnixMs(e.TimestampUtc));
    });

    public static byte[] MemoryCrystallized(NodeSnapshot node) => Write(w =>
    {
        w.WriteString("type", "memory_crystallized");
        w.WriteString("memoryId", node.Id);
        w.WriteNumber("x", node.X);
        w.WriteNumber("y", node.Y);
        w.WriteNumber("influence", node.Strength);
        w.WriteNumber("version", node.Version);
        w.WriteNumber("timestamp", UnixMs(DateTime.UtcNow));
    });

    public static byte[] MemoryDissolved(Guid memoryId) => Write(w =>
    {
        w.WriteString("type", "memory_dissolved");
        w.WriteString("memoryId", memoryId);
        w.WriteNumber("timestamp", UnixMs(DateTime.UtcNow));
    });

    public static byte[] TokenRefreshed(DateTime expiresUtc) => Write(w =>
    {
        w.WriteString("type", "token_refreshed");
        w.WriteNumber("expiresAt", UnixMs(expiresUtc));
        w.WriteNumber("timestamp", UnixMs(DateTime.UtcNow));
    });

    public static byte[] FieldSubscribed(FieldSubscription s) => Write(w =>
    {
        w.WriteString("type", "field_subscribed");
        w.WriteNumber("x0", s.X0);
        w.WriteNumber("y0", s.Y0);
        w.WriteNumber("x1", s.X1);
        w.WriteNumber("y1", s.Y1);
        w.WriteNumber("width", s.Width);
        w.WriteNumber("height", s.Height);
        w.WriteNumber("rate", s.Rate);
        w.WriteString("format", s.Format.ToString().ToLowerInvariant());
    });
}
