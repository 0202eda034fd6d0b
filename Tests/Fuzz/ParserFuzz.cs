using System.Text.Json;
using Resonance.Gateway.Protocol;
using Resonance.Grains;
using Resonance.Grains.Nodes;
using Resonance.Grains.Spaces;

namespace Resonance.Fuzz;

/// <summary>
/// The parser's properties: every input is answered (a message or a <see cref="ProtocolException"/> with a documented
/// code, never another exception), targeted mutations get their code, valid messages parse, and whatever parses passes
/// the grains' own validation (a message that parses is safe to apply).
/// </summary>
public static class ParserFuzz
{
    public static readonly SpaceConfig Space = new();
    private static readonly SpaceGeometry Geometry = SpaceGeometry.Create(Space);

    public static void Check(MessageCase c)
    {
        ClientMessage message;
        try
        {
            message = ClientMessageParser.Parse(c.Utf8, Space);
        }
        catch (ProtocolException e)
        {
            if (!MessageGen.DocumentedCodes.Contains(e.Code)) throw new FuzzFailure($"undocumented code '{e.Code}' for {c}");
            if (c.ValidType is not null) throw new FuzzFailure($"a valid {c.ValidType} was rejected with {e.Code} ({e.Message}): {c}");
            if (c.Expected is not null && !c.Expected.Contains(e.Code)) throw new FuzzFailure($"got {e.Code} ({e.Message}) for {c}");
            return;
        }
        catch (Exception e)
        {
            throw new FuzzFailure($"{e.GetType().Name}: {e.Message} for {c}", e);
        }
        if (c.Expected is not null) throw new FuzzFailure($"parsed as {message.Type}, expected {string.Join("|", c.Expected)}: {c}");
        if (c.ValidType is not null && message.Type != c.ValidType) throw new FuzzFailure($"parsed as {message.Type}: {c}");
        SafeToApply(message, c);
    }

    /// <summary>What parsed must pass the grains' validation and the documented limits.</summary>
    public static void SafeToApply(ClientMessage message, object c)
    {
        try
        {
            switch (message)
            {
                case HarmonicStreamMessage m:
                    NodeValidation.Participant(m.Update, Geometry);
                    break;
                case MemoryCrystallizeMessage m:
                    NodeValidation.Memory(m.Update with { Owner = Guid.NewGuid() }, Geometry);
                    if (m.MemoryId == Guid.Empty) throw new FuzzFailure($"empty memory id: {c}");
                    break;
                case ConsciousnessEventMessage m:
                    if (m.EventType.Length is < 1 or > 50) throw new FuzzFailure($"eventType length {m.EventType.Length}: {c}");
                    if (m.X is { } x && !(x >= 0 && x < Space.Width)) throw new FuzzFailure($"event x {x}: {c}");
                    if (m.Y is { } y && !(y >= 0 && y < Space.Height)) throw new FuzzFailure($"event y {y}: {c}");
                    if (m.X.HasValue != m.Y.HasValue) throw new FuzzFailure($"half a position: {c}");
                    if (m.Resonance is { } r && !(r >= 0 && r <= 1)) throw new FuzzFailure($"event resonance {r}: {c}");
                    if (m.EventId == Guid.Empty) throw new FuzzFailure($"empty event id: {c}");
                    using (var data = JsonDocument.Parse(m.DataJson))
                        if (data.RootElement.ValueKind != JsonValueKind.Object) throw new FuzzFailure($"data not an object: {c}");
                    // What is stored must be readable back and re-serialisable (GET /events, the relay).
                    System.Text.Json.Nodes.JsonNode.Parse(m.DataJson)!.ToJsonString();
                    break;
                case SubscribeFieldMessage { Subscription: var s }:
                    if (!(s.X0 >= 0 && s.X0 < s.X1 && s.X1 <= Space.Width && s.Y0 >= 0 && s.Y0 < s.Y1 && s.Y1 <= Space.Height))
                        throw new FuzzFailure($"viewport {s}: {c}");
                    if (s.Width is < 1 or > 512 || s.Height is < 1 or > 512 || !(s.Rate >= 1 && s.Rate <= 30)) throw new FuzzFailure($"lattice {s}: {c}");
                    break;
                case HeartbeatMessage { Timestamp: { } ts } when !double.IsFinite(ts):
                    throw new FuzzFailure($"heartbeat timestamp {ts}: {c}");
            }
        }
        catch (ArgumentException e)
        {
            throw new FuzzFailure($"parsed but the grain would reject it ({e.Message}): {c}", e);
        }
    }
}

public sealed class FuzzFailure(string message, Exception? inner = null) : Exception(message, inner);
