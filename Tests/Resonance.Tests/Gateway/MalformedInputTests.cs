using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Resonance.Grains;
using Resonance.Tests.Cluster;

namespace Resonance.Tests.Gateway;

/// <summary>
/// Ten thousand generated bad messages: each gets an <c>error</c> with the expected code, the session and the server
/// survive, and nothing in the field or the aggregates changes.
/// </summary>
public sealed class MalformedInputTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHost Host => fixture.Host;
    private const string Space = "malformed";

    private static JsonObject Valid(Random r, int kind) => kind switch
    {
        0 => new JsonObject { ["type"] = "harmonic_stream", ["frequency"] = 1 + r.NextDouble() * 100, ["amplitude"] = r.NextDouble(), ["phase"] = r.NextDouble() * 6, ["x"] = r.NextDouble() * 29, ["y"] = r.NextDouble() * 29, ["resonance"] = r.NextDouble(), ["consciousnessIntent"] = "spiral" },
        1 => new JsonObject { ["type"] = "memory_crystallize", ["x"] = r.NextDouble() * 29, ["y"] = r.NextDouble() * 29, ["harmonic"] = 432, ["influence"] = r.NextDouble(), ["content"] = "c" },
        2 => new JsonObject { ["type"] = "consciousness_event", ["eventType"] = "pulse", ["data"] = new JsonObject { ["k"] = 1 }, ["x"] = 1.0, ["y"] = 2.0, ["ackId"] = "a" },
        3 => new JsonObject { ["type"] = "subscribe_field", ["width"] = 16, ["height"] = 16, ["rate"] = 5, ["format"] = "u8" },
        _ => new JsonObject { ["type"] = "quantum_entangle", ["entanglementTarget"] = Guid.NewGuid().ToString() },
    };

    /// <summary>Fields of each kind that are numbers with limits: (name, a value out of range).</summary>
    private static readonly Dictionary<int, (string Field, double Bad)[]> OutOfRange = new()
    {
        [0] = [("frequency", 0), ("frequency", -3), ("frequency", 20001), ("amplitude", 1.5), ("amplitude", -0.1), ("x", 30), ("y", -1), ("resonance", 2), ("phase", 1e300), ("quantumFactor", -1e12)],
        [1] = [("x", 31), ("y", -0.5), ("influence", 1.01), ("harmonic", 1e301)],
        [2] = [("x", 99), ("resonance", -1)],
        [3] = [("width", 0), ("width", 513), ("height", 100000), ("rate", 0.5), ("rate", 31), ("x0", -1), ("x1", 31)],
    };

    private static readonly string[] TypeNames = ["harmonic_stream", "memory_crystallize", "consciousness_event", "subscribe_field", "quantum_entangle"];

    /// <summary>One bad message and the error code it must get.</summary>
    private static (byte[] Bytes, WebSocketMessageType Kind, string Code) Bad(Random r, int n)
    {
        int kind = r.Next(5);
        var msg = Valid(r, kind);
        switch (n % 14)
        {
            case 0: // truncated JSON: any proper prefix of an object is invalid
            {
                var text = msg.ToJsonString();
                return (Encoding.UTF8.GetBytes(text[..r.Next(1, text.Length - 1)]), WebSocketMessageType.Text, "invalid_json");
            }
            case 1: // a wrong JSON type for a field
            {
                var names = msg.Select(p => p.Key).Where(k => k != "type").ToArray();
                var name = names[r.Next(names.Length)];
                bool wasNumber = msg[name]!.GetValueKind() == System.Text.Json.JsonValueKind.Number;
                msg[name] = r.Next(3) switch
                {
                    0 => wasNumber ? JsonValue.Create("12") : JsonValue.Create(12),
                    1 => new JsonArray(1, 2),
                    _ => wasNumber ? JsonValue.Create(true) : new JsonObject { ["x"] = 1 },
                };
                // data must be an object: an object in its place is still valid, so use an array there.
                if (name == "data") msg[name] = new JsonArray(1);
                return (Encoding.UTF8.GetBytes(msg.ToJsonString()), WebSocketMessageType.Text, "invalid_type");
            }
            case 2: // NaN / Infinity literals are not JSON
            {
                var text = msg.ToJsonString();
                string literal = r.Next(3) switch { 0 => "NaN", 1 => "Infinity", _ => "-Infinity" };
                var field = kind switch { 0 => "amplitude", 1 => "x", 2 => "x", 3 => "width", _ => "entanglementTarget" };
                text = text.Replace($"\"{field}\":", $"\"{field}\":{literal},\"_old\":");
                return (Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, "invalid_json");
            }
            case 3: // numbers beyond the double range
            {
                if (kind == 4) kind = 0;
                msg = Valid(r, kind);
                var field = kind switch { 0 => "frequency", 1 => "y", 2 => "y", _ => "height" };
                var text = msg.ToJsonString().Replace($"\"{field}\":", $"\"{field}\":{(r.Next(2) == 0 ? "1e400" : "-7e999")},\"_old\":");
                return (Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, "not_finite");
            }
            case 4: // out of range
            {
                if (kind == 4) kind = r.Next(4);
                msg = Valid(r, kind);
                var (field, bad) = OutOfRange[kind][r.Next(OutOfRange[kind].Length)];
                msg[field] = bad;
                return (Encoding.UTF8.GetBytes(msg.ToJsonString()), WebSocketMessageType.Text, "out_of_range");
            }
            case 5: // oversize
            {
                msg["padding"] = new string('x', 16 * 1024 + r.Next(1, 50_000));
                return (Encoding.UTF8.GetBytes(msg.ToJsonString()), WebSocketMessageType.Text, "message_too_large");
            }
            case 6: // unknown types
            {
                msg["type"] = r.Next(3) switch { 0 => "harmonic_streams", 1 => "DROP TABLE", _ => new string('t', r.Next(1, 200)) };
                return (Encoding.UTF8.GetBytes(msg.ToJsonString()), WebSocketMessageType.Text, "unknown_type");
            }
            case 7: // deep nesting
            {
                int depth = r.Next(17, 400);
                var text = "{\"type\":\"consciousness_event\",\"eventType\":\"deep\",\"data\":" + new string('[', depth) + new string(']', depth) + "}";
                return (Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, "too_deep");
            }
            case 8: // missing or non-string type
            {
                if (r.Next(2) == 0) msg.Remove("type"); else msg["type"] = r.Next(2) == 0 ? JsonValue.Create(5) : null;
                return (Encoding.UTF8.GetBytes(msg.ToJsonString()), WebSocketMessageType.Text, "missing_type");
            }
            case 9: // not an object at all
            {
                string[] texts = ["[1,2,3]", "\"harmonic_stream\"", "42", "null", "true", "[]"];
                return (Encoding.UTF8.GetBytes(texts[r.Next(texts.Length)]), WebSocketMessageType.Text, "invalid_json");
            }
            case 10: // strings too long or empty
            {
                msg = r.Next(3) switch
                {
                    0 => new JsonObject { ["type"] = "consciousness_event", ["eventType"] = new string('e', 51 + r.Next(100)), ["data"] = new JsonObject() },
                    1 => new JsonObject { ["type"] = "consciousness_event", ["eventType"] = "", ["data"] = new JsonObject() },
                    _ => new JsonObject { ["type"] = "memory_crystallize", ["x"] = 1, ["y"] = 1, ["harmonic"] = 1, ["content"] = new string('c', 2001 + r.Next(5000)) },
                };
                return (Encoding.UTF8.GetBytes(msg.ToJsonString()), WebSocketMessageType.Text, "string_too_long");
            }
            case 11: // values outside their set
            {
                msg = r.Next(3) switch
                {
                    0 => new JsonObject { ["type"] = "harmonic_stream", ["frequency"] = 3, ["amplitude"] = 0.5, ["consciousnessIntent"] = "dance" },
                    1 => new JsonObject { ["type"] = "subscribe_field", ["format"] = "png" },
                    _ => new JsonObject { ["type"] = "quantum_entangle", ["entanglementTarget"] = r.Next(2) == 0 ? "not-a-guid" : Guid.Empty.ToString() },
                };
                return (Encoding.UTF8.GetBytes(msg.ToJsonString()), WebSocketMessageType.Text, "invalid_value");
            }
            case 12: // required fields missing
            {
                if (kind == 3) kind = 0;
                msg = Valid(r, kind);
                string field = kind switch { 0 => r.Next(2) == 0 ? "frequency" : "amplitude", 1 => "harmonic", 2 => r.Next(2) == 0 ? "data" : "eventType", _ => "entanglementTarget" };
                msg.Remove(field);
                return (Encoding.UTF8.GetBytes(msg.ToJsonString()), WebSocketMessageType.Text, "missing_field");
            }
            default: // binary frames
            {
                var bytes = new byte[r.Next(1, 2000)];
                r.NextBytes(bytes);
                return (bytes, WebSocketMessageType.Binary, "binary_not_supported");
            }
        }
    }

    [Fact]
    public async Task Ten_thousand_bad_messages_each_get_an_error_and_change_nothing()
    {
        await using var client = await WsClient.ConnectAsync(new Uri(Host.WebSocket + $"?space={Space}"));
        var userId = Guid.Parse((await client.WaitForTypeAsync("connection_established")).Json.GetProperty("userId").GetString()!);
        await client.SendAsync(new { type = "harmonic_stream", frequency = 4, amplitude = 0.7, phase = 1.5, x = 10.5, y = 12.5 });
        await client.SendAsync(new { type = "memory_crystallize", x = 20.0, y = 5.0, harmonic = 3, influence = 0.4 });
        await client.WaitForTypeAsync("memory_crystallized");
        var space = Host.Grains.GetGrain<ISpaceGrain>(Space);
        var settled = await Eventually.Until(() => space.GetLatestTick(), t => t.ActiveNodes == 1 && t.MemoryNodes == 1, what: "the space counts both nodes");
        var nodeBefore = await Host.Grains.GetGrain<INodeGrain>(userId).GetSnapshot();
        var cellsBefore = await CellTiles();
        var store = (Resonance.Grains.Events.IEventStore)Host.App.Services.GetService(typeof(Resonance.Grains.Events.IEventStore))!;
        long eventsBefore = await store.CountAsync(Space, CancellationToken.None);

        var random = new Random(20261125);
        const int Total = 10_000, Chunk = 200;
        var expected = new Dictionary<string, int>();
        int answered = 0;
        for (int start = 0; start < Total; start += Chunk)
        {
            var codes = new List<(string Code, string Text)>();
            for (int n = start; n < start + Chunk; n++)
            {
                var (bytes, kind, code) = Bad(random, n);
                codes.Add((code, kind == WebSocketMessageType.Text ? Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 300)) : "<binary>"));
                expected[code] = expected.GetValueOrDefault(code) + 1;
                await client.SendBytesAsync(bytes, kind);
            }
            // Errors come back in order, one per bad message; other traffic (updates) is skipped.
            foreach (var (code, text) in codes)
            {
                var error = (await client.WaitForTypeAsync("error")).Json;
                Assert.True(code == error.GetProperty("code").GetString(), $"{text} -> {error}, expected {code}");
                Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
                answered++;
            }
        }
        Assert.Equal(Total, answered);
        Assert.Equal(12, expected.Count); // every code a client can cause by malformed input

        // The session is still open and working, and nothing changed.
        await client.SendAsync(new { type = "heartbeat", timestamp = 1 });
        await client.WaitForTypeAsync("heartbeat_ack");
        Assert.Equal(WebSocketState.Open, client.State);
        var nodeAfter = await Host.Grains.GetGrain<INodeGrain>(userId).GetSnapshot();
        Assert.Equal(nodeBefore! with { UpdatedUtc = default }, nodeAfter! with { UpdatedUtc = default });
        Assert.Equal(cellsBefore, await CellTiles());
        var tick = await space.GetLatestTick();
        Assert.Equal((settled.ActiveNodes, settled.MemoryNodes, settled.GlobalResonance, settled.QuantumCoherence),
            (tick.ActiveNodes, tick.MemoryNodes, tick.GlobalResonance, tick.QuantumCoherence));
        Assert.Empty(tick.Pairs);
        Assert.Equal(eventsBefore, await store.CountAsync(Space, CancellationToken.None));

        // And the server still serves new clients.
        await using var other = await WsClient.ConnectAsync(new Uri(Host.WebSocket + $"?space={Space}"));
        await other.WaitForTypeAsync("connection_established");
    }

    /// <summary>Every cell's tile values (an empty cell may be reactivated between looks, so versions are not compared).</summary>
    private async Task<double[]> CellTiles()
    {
        var values = new List<double>();
        for (int cy = 0; cy < 3; cy++)
            for (int cx = 0; cx < 3; cx++)
                values.AddRange((await Host.Grains.GetGrain<ICellGrain>(CellKey.Format(Space, cx, cy)).GetTile()).Values);
        return [.. values];
    }
}
