using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Resonance.LoadTest;

namespace Resonance.Tests.LoadTest;

public class SimClientTests
{
    private static SimClient NewClient() => new(7, new Random(1), 0.5, 10);

    private static JsonElement Parse(SimClient c, int n) => JsonDocument.Parse(c.SendBuffer.AsMemory(0, n)).RootElement.Clone();

    [Fact]
    public void Harmonic_stream_carries_exactly_the_app_fields()
    {
        var c = NewClient();
        var msg = Parse(c, c.WriteHarmonicStream(new Random(2)));
        var names = msg.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(["amplitude", "consciousnessIntent", "frequency", "phase", "quantumFactor", "timestamp", "type"], names);
        Assert.Equal("harmonic_stream", msg.GetProperty("type").GetString());
        Assert.InRange(msg.GetProperty("frequency").GetDouble(), 0.0001, 20000);
        Assert.InRange(msg.GetProperty("amplitude").GetDouble(), 0, 1);
        Assert.Contains(msg.GetProperty("consciousnessIntent").GetString(), new[] { "bloom", "collapse", "spiral", "entangle" });
    }

    [Fact]
    public void Heartbeat_ack_is_timed_once_by_its_client_timestamp()
    {
        var c = NewClient();
        var stats = new Stats();
        long ts = Parse(c, c.WriteHeartbeat()).GetProperty("timestamp").GetInt64();
        // Servers may echo the number as a double; any spelling of the same value must match.
        var ack = Encoding.UTF8.GetBytes($"{{\"timestamp\":1,\"clientTimestamp\":{ts}.0,\"type\":\"heartbeat_ack\"}}");
        Assert.Equal(InKind.HeartbeatAck, c.Handle(ack, stats, Stopwatch.GetTimestamp()));
        Assert.Equal(InKind.HeartbeatAck, c.Handle(ack, stats, Stopwatch.GetTimestamp()));
        Assert.Equal(1, stats.Whole[(int)LatencyPath.Heartbeat].Count);
        // A second heartbeat in the same millisecond still gets its own key.
        long ts2 = Parse(c, c.WriteHeartbeat()).GetProperty("timestamp").GetInt64();
        Assert.True(ts2 > ts);
    }

    [Fact]
    public void Ack_relay_and_memory_paths_are_matched()
    {
        var c = NewClient();
        var stats = new Stats();
        var ev = Parse(c, c.WriteConsciousnessEvent(new Random(3)));
        string ackId = ev.GetProperty("ackId").GetString()!;
        Assert.InRange(ev.GetProperty("eventType").GetString()!.Length, 1, 50);
        c.Handle(Encoding.UTF8.GetBytes($"{{\"type\":\"ack\",\"ackId\":\"{ackId}\",\"eventId\":\"e\"}}"), stats, Stopwatch.GetTimestamp());
        c.Handle(Encoding.UTF8.GetBytes("{\"type\":\"ack\",\"ackId\":\"a999\"}"), stats, Stopwatch.GetTimestamp());
        Assert.Equal(1, stats.Whole[(int)LatencyPath.Ack].Count);

        // The relayed copy carries the sender's data object, with its Stopwatch tick.
        string relayed = $"{{\"type\":\"consciousness_event\",\"eventId\":\"e\",\"data\":{ev.GetProperty("data").GetRawText()},\"timestamp\":1}}";
        Assert.Equal(InKind.ConsciousnessEvent, NewClient().Handle(Encoding.UTF8.GetBytes(relayed), stats, Stopwatch.GetTimestamp()));
        Assert.Equal(1, stats.Whole[(int)LatencyPath.Relay].Count);

        var mem = Parse(c, c.WriteMemoryCrystallize(new Random(4)));
        Assert.InRange(mem.GetProperty("x").GetDouble(), 0, 30);
        string id = mem.GetProperty("memoryId").GetString()!;
        Assert.True(Guid.TryParse(id, out _));
        c.Handle(Encoding.UTF8.GetBytes($"{{\"memoryId\":\"{id}\",\"type\":\"memory_crystallized\",\"version\":1}}"), stats, Stopwatch.GetTimestamp());
        Assert.Equal(1, stats.Whole[(int)LatencyPath.Memory].Count);
    }

    [Fact]
    public void Errors_config_and_bad_messages_are_counted()
    {
        var c = NewClient();
        var stats = new Stats();
        Assert.Equal(InKind.Error, c.Handle("{\"type\":\"error\",\"code\":\"out_of_range\",\"message\":\"x\"}"u8, stats, 0));
        Assert.Equal(1, stats.ServerErrors);
        Assert.Equal(1, stats.ErrorCodes["out_of_range"]);

        c.Handle("{\"type\":\"connection_established\",\"userId\":\"u\",\"config\":{\"width\":64,\"height\":48,\"kernel\":\"exponential\",\"background\":{\"a\":[1,2]}},\"timestamp\":1}"u8, stats, 0);
        Assert.Equal(64, c.Width);
        Assert.Equal(48, c.Height);

        Assert.Equal(InKind.ResonanceUpdate, c.Handle("{\"type\":\"resonance_update\",\"seq\":1,\"harmonicField\":[{\"x\":1}]}"u8, stats, 0));
        Assert.Equal(InKind.Other, c.Handle("{\"type\":\"novel\"}"u8, stats, 0));
        c.Handle("not json"u8, stats, 0);
        c.Handle("[1,2]"u8, stats, 0);
        Assert.Equal(2, stats.BadServerMessages);
    }

    [Fact]
    public void Options_parse_defaults_and_reject_nonsense()
    {
        var o = LoadOptions.Parse(["--clients", "10", "--duration", "9", "--space", "room-1", "--json"], out var err, out _);
        Assert.Null(err);
        Assert.Equal(3, o!.EffectiveRampSeconds);
        Assert.Equal("ws://127.0.0.1:5000/api/harmonic-ws?space=room-1", o.ConnectUri.ToString());
        Assert.True(o.Json);
        Assert.Equal(10, LoadOptions.Parse(["--duration", "300"], out _, out _)!.EffectiveRampSeconds);
        Assert.Null(LoadOptions.Parse(["--clients", "0"], out err, out _));
        Assert.NotNull(err);
        Assert.Null(LoadOptions.Parse(["--url", "http://x"], out _, out _));
        Assert.Null(LoadOptions.Parse(["--ramp", "20", "--duration", "10"], out _, out _));
        Assert.Null(LoadOptions.Parse(["--bogus"], out _, out _));
    }
}
