using System.Text.Json;
using Resonance.Grains;

namespace Resonance.Gateway.Protocol;

/// <summary>
/// Parses and validates one client message against the space it is for. Throws <see cref="ProtocolException"/> on any
/// problem; a message that parses is safe to apply as is.
/// </summary>
public static class ClientMessageParser
{
    public const int MaxDepth = 16;
    public const int MaxContentLength = 2000;
    public const int MaxArchetypeLength = 64;
    /// <summary>The gateway's access tokens are a few hundred characters; anything far longer is not one.</summary>
    public const int MaxAccessTokenLength = 4096;
    public const int MaxEventTypeLength = 50;
    public const int MaxAckIdLength = 64;
    public const double MaxFrequency = 20000;
    public const double MaxMagnitude = 1e6;
    public const int MaxFrameSide = 512;
    public const double MaxFrameRate = 30;

    public static readonly string[] Intents = ["bloom", "collapse", "spiral", "entangle"];
    public static readonly string[] Formats = ["json", "f32", "u8"];
    private static readonly string[] EntangleActions = ["request", "break"];

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>
    /// Parses a UTF-8 JSON text message (the caller has already enforced the size limit). A streamed state carries
    /// <paramref name="origin"/>'s session and subject from the start, so the hottest message is built once, not copied.
    /// </summary>
    public static ClientMessage Parse(ReadOnlyMemory<byte> utf8, SpaceConfig space, StreamOrigin origin = default)
    {
        using var document = ParseDocument(utf8);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new ProtocolException(ErrorCodes.InvalidJson, "A message must be a JSON object.");
        if (!root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            throw new ProtocolException(ErrorCodes.MissingType, "A message needs a string 'type'.", "type");
        var fields = new MessageFields(root);
        string type = MessageFields.Text(typeElement, "type");
        return type switch
        {
            MessageTypes.HarmonicStream => new HarmonicStreamMessage(Participant(fields, space, origin)),
            MessageTypes.Heartbeat => new HeartbeatMessage(fields.OptionalDouble("timestamp", -MaxTimestamp, MaxTimestamp)),
            MessageTypes.QuantumEntangle => new QuantumEntangleMessage(
                fields.RequiredGuid("entanglementTarget"), fields.OptionalEnum("action", EntangleActions) == "break"),
            MessageTypes.MemoryCrystallize => Memory(fields, space),
            MessageTypes.ConsciousnessEvent => Event(fields, space),
            MessageTypes.MemoryDissolve => new MemoryDissolveMessage(fields.RequiredGuid("memoryId")),
            MessageTypes.Refresh => new RefreshMessage(fields.RequiredString("accessToken", MaxAccessTokenLength)),
            MessageTypes.SubscribeField => new SubscribeFieldMessage(Subscription(fields, space)),
            MessageTypes.UnsubscribeField => new UnsubscribeFieldMessage(),
            MessageTypes.Disconnect => new DisconnectMessage(),
            _ => throw new ProtocolException(ErrorCodes.UnknownType,
                $"Unknown message type '{Truncate(type)}'; known: {string.Join(", ", MessageTypes.All)}.", "type"),
        };
    }

    /// <summary>Timestamps are Unix ms or seconds from clients; anything finite below ~year 33658 is accepted.</summary>
    private const double MaxTimestamp = 1e15;

    public static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8)
    {
        // System.Text.Json does not check the UTF-8 inside strings until a string is read (then it throws
        // InvalidOperationException): the whole text is checked here, once, so no field read can fail later.
        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span))
            throw new ProtocolException(ErrorCodes.InvalidJson, "The message is not valid UTF-8.");
        try
        {
            return JsonDocument.Parse(utf8, DocumentOptions);
        }
        catch (JsonException)
        {
            throw ExceedsDepth(utf8.Span)
                ? new ProtocolException(ErrorCodes.TooDeep, $"JSON nested deeper than {MaxDepth} levels.")
                : new ProtocolException(ErrorCodes.InvalidJson, "The message is not valid JSON.");
        }
    }

    /// <summary>Distinguishes "too deep" from other syntax errors (only on the error path).</summary>
    private static bool ExceedsDepth(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 1 << 16 });
        try
        {
            while (reader.Read())
                if (reader.CurrentDepth >= MaxDepth) return true;
        }
        catch (JsonException)
        {
        }
        return false;
    }

    public static ParticipantUpdate Participant(MessageFields f, SpaceConfig space, StreamOrigin origin)
    {
        var x = f.OptionalDouble("x", 0, space.Width, maxExclusive: true);
        var y = f.OptionalDouble("y", 0, space.Height, maxExclusive: true);
        if (x.HasValue != y.HasValue)
            throw new ProtocolException(ErrorCodes.MissingField, "'x' and 'y' go together.", x.HasValue ? "y" : "x");
        double frequency = f.RequiredDouble("frequency", 0, MaxFrequency);
        if (frequency <= 0) throw new ProtocolException(ErrorCodes.OutOfRange, "'frequency' must be > 0.", "frequency");
        return new ParticipantUpdate
        {
            Frequency = frequency,
            Amplitude = f.RequiredDouble("amplitude", 0, 1),
            Phase = f.OptionalDouble("phase", -MaxMagnitude, MaxMagnitude),
            X = x,
            Y = y,
            Resonance = f.OptionalDouble("resonance", 0, 1),
            QuantumFactor = f.OptionalDouble("quantumFactor", -MaxMagnitude, MaxMagnitude),
            ConsciousnessIntent = f.OptionalEnum("consciousnessIntent", Intents),
            Timestamp = f.OptionalDouble("timestamp", -MaxTimestamp, MaxTimestamp),
            Session = origin.Session,
            Subject = origin.Subject,
        };
    }

    private static MemoryCrystallizeMessage Memory(MessageFields f, SpaceConfig space)
    {
        var id = f.OptionalGuid("memoryId");
        // Participants' node ids are their public ids (version 8); a memory node under one would squat that node.
        if (id is { } chosen && Auth.Pseudonyms.IsPublicIdForm(chosen))
            throw new ProtocolException(ErrorCodes.InvalidValue, "'memoryId' must not be a version-8 UUID (the form of participants' public ids); use a random (version 4) UUID.", "memoryId");
        var update = new MemoryUpdate
        {
            X = f.RequiredDouble("x", 0, space.Width, maxExclusive: true),
            Y = f.RequiredDouble("y", 0, space.Height, maxExclusive: true),
            Harmonic = f.RequiredDouble("harmonic", -MaxMagnitude, MaxMagnitude),
            Influence = f.OptionalDouble("influence", 0, 1) ?? 0.5,
            Content = f.OptionalString("content", MaxContentLength, 0),
            Archetype = f.OptionalString("archetype", MaxArchetypeLength, 0),
            Public = f.OptionalBool("public") ?? false,
        };
        return new MemoryCrystallizeMessage(id, update);
    }

    public static ConsciousnessEventMessage Event(MessageFields f, SpaceConfig space)
    {
        string eventType = f.RequiredString("eventType", MaxEventTypeLength);
        var data = f.RequiredObject("data");
        var x = f.OptionalDouble("x", 0, space.Width, maxExclusive: true);
        var y = f.OptionalDouble("y", 0, space.Height, maxExclusive: true);
        if (x.HasValue != y.HasValue)
            throw new ProtocolException(ErrorCodes.MissingField, "'x' and 'y' go together.", x.HasValue ? "y" : "x");
        var eventId = f.OptionalGuid("eventId");
        if (eventId == Guid.Empty) throw new ProtocolException(ErrorCodes.InvalidValue, "'eventId' must not be the empty GUID.", "eventId");
        return new ConsciousnessEventMessage(
            eventType, data.GetRawText(), x, y, f.OptionalDouble("resonance", 0, 1), f.OptionalString("ackId", MaxAckIdLength), eventId);
    }

    public static FieldSubscription Subscription(MessageFields f, SpaceConfig space)
    {
        double x0 = f.OptionalDouble("x0", 0, space.Width) ?? 0;
        double y0 = f.OptionalDouble("y0", 0, space.Height) ?? 0;
        double x1 = f.OptionalDouble("x1", 0, space.Width) ?? space.Width;
        double y1 = f.OptionalDouble("y1", 0, space.Height) ?? space.Height;
        if (x1 <= x0) throw new ProtocolException(ErrorCodes.OutOfRange, "'x1' must be greater than 'x0'.", "x1");
        if (y1 <= y0) throw new ProtocolException(ErrorCodes.OutOfRange, "'y1' must be greater than 'y0'.", "y1");
        int columns = (int)Math.Round(space.Width / space.Spacing), rows = (int)Math.Round(space.Height / space.Spacing);
        int width = f.OptionalInt("width", 1, MaxFrameSide) ?? Math.Min(columns, MaxFrameSide);
        int height = f.OptionalInt("height", 1, MaxFrameSide) ?? Math.Min(rows, MaxFrameSide);
        double rate = f.OptionalDouble("rate", 1, MaxFrameRate) ?? 10;
        var format = f.OptionalEnum("format", Formats) switch
        {
            "f32" => FrameFormat.F32,
            "u8" => FrameFormat.U8,
            _ => FrameFormat.Json,
        };
        return new FieldSubscription(x0, y0, x1, y1, width, height, rate, format);
    }

    private static string Truncate(string s) => s.Length <= 50 ? s : s[..50] + "…";
}
