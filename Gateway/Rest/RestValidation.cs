using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Resonance.Gateway.Protocol;
using Resonance.Grains;
using Resonance.Grains.Spaces;

namespace Resonance.Gateway.Rest;

/// <summary>A REST input error: HTTP status and the protocol's error code (docs/protocol.md).</summary>
public sealed record RestError(int Status, string Code, string Message, string? Field = null)
{
    public IResult ToResult() => Results.Json(new { error = new { code = Code, message = Message, field = Field } }, statusCode: Status);
}

/// <summary>
/// The REST endpoints' input validation as pure functions of the query or body (no HTTP, no grains), so each can be
/// tested and fuzzed on its own; the endpoints call these and only then touch the cluster.
/// </summary>
public static class RestValidation
{
    public const int MaxNodes = 10_000;
    public const int MaxEvents = 10_000;
    public const int MaxRollups = 7 * 24 * 60;
    public const int MaxNodeQueryCells = 4096;
    public const int MaxBatchBytes = 4 * 1024 * 1024;
    /// <summary>Positions are field units; anything beyond this is a mistake rather than a query.</summary>
    public const double MaxCoordinate = 1e9;

    private static readonly string[] FieldQueryNumbers = ["x0", "y0", "x1", "y1", "width", "height"];

    public static RestError? SpaceIdError(string id) =>
        SpaceId.IsValid(id) ? null : new RestError(400, ErrorCodes.InvalidValue, "The space id must match [a-z0-9-]{1,64}.", "id");

    /// <summary>An optional numeric query parameter: null when absent, an error when not a finite number in [min, max].</summary>
    public static RestError? Number(IQueryCollection query, string name, double min, double max, out double? value)
    {
        value = null;
        if (query[name].FirstOrDefault() is not { } text) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            return new RestError(400, ErrorCodes.InvalidType, $"'{name}' must be a number.", name);
        if (!double.IsFinite(v)) return new RestError(400, ErrorCodes.NotFinite, $"'{name}' must be finite.", name);
        if (v < min || v > max) return new RestError(400, ErrorCodes.OutOfRange, $"'{name}' must be within [{min}, {max}].", name);
        value = v;
        return null;
    }

    /// <summary>The optional proximity disc of a query: <c>x</c>, <c>y</c> and <c>radius</c> together, or none of them.</summary>
    public static RestError? Disc(IQueryCollection query, (double Min, double Max) xRange, (double Min, double Max) yRange, double maxRadius,
        out (double X, double Y, double Radius)? disc)
    {
        disc = null;
        if (Number(query, "x", xRange.Min, xRange.Max, out double? x) is { } badX) return badX;
        if (Number(query, "y", yRange.Min, yRange.Max, out double? y) is { } badY) return badY;
        if (Number(query, "radius", 0, maxRadius, out double? radius) is { } badR) return badR;
        if ((x, y, radius) is (null, null, null)) return null;
        if (x is null || y is null || radius is null)
            return new RestError(400, ErrorCodes.MissingField, "'x', 'y' and 'radius' go together.", x is null ? "x" : y is null ? "y" : "radius");
        disc = (x.Value, y.Value, radius.Value);
        return null;
    }

    /// <summary><c>GET /api/spaces/{id}/field</c>: the viewport goes through the same validation as <c>subscribe_field</c>.</summary>
    public static RestError? Field(IQueryCollection query, SpaceConfig config, out FieldSubscription? subscription, out string format)
    {
        subscription = null;
        format = query["format"].FirstOrDefault() ?? "json";
        var json = new JsonObject { ["type"] = MessageTypes.SubscribeField };
        foreach (var name in FieldQueryNumbers)
        {
            // Ranges are the subscription parser's to check.
            if (Number(query, name, double.NegativeInfinity, double.PositiveInfinity, out double? v) is { } bad) return bad;
            if (v is { } value) json[name] = value;
        }
        if (format is not ("json" or "f32" or "png")) return new RestError(400, ErrorCodes.InvalidValue, "'format' must be json, f32 or png.", "format");
        json["format"] = format == "f32" ? "f32" : "json";
        try
        {
            using var doc = JsonDocument.Parse(json.ToJsonString());
            subscription = ClientMessageParser.Subscription(new MessageFields(doc.RootElement), config);
            return null;
        }
        catch (ProtocolException e)
        {
            return new RestError(400, e.Code, e.Message, e.Field);
        }
    }

    /// <summary><c>GET /api/spaces/{id}/nodes</c>: the optional disc and the cells it covers (inclusive ranges).</summary>
    public static RestError? Nodes(IQueryCollection query, SpaceGeometry g, out (double X, double Y, double Radius)? disc,
        out (int Cx0, int Cy0, int Cx1, int Cy1) cells)
    {
        cells = (0, 0, g.CellsX - 1, g.CellsY - 1);
        if (Disc(query, (0.0, g.Config.Width), (0.0, g.Config.Height), 2 * Math.Max(g.Config.Width, g.Config.Height), out disc) is { } bad)
            return bad;
        if (disc is var (x, y, r))
        {
            var (cx0, cy0) = g.CellOf(Math.Max(0, x - r), Math.Max(0, y - r));
            var (cx1, cy1) = g.CellOf(Math.Min(g.Config.Width, x + r), Math.Min(g.Config.Height, y + r));
            cells = (cx0, cy0, cx1, cy1);
        }
        if ((long)(cells.Cx1 - cells.Cx0 + 1) * (cells.Cy1 - cells.Cy0 + 1) > MaxNodeQueryCells)
            return new RestError(400, ErrorCodes.OutOfRange, "The query covers too many cells; give x, y and a smaller radius.", "radius");
        return null;
    }

    /// <summary><c>GET /api/spaces/{id}/events</c>: time range, optional disc, limit.</summary>
    public static RestError? Events(IQueryCollection query, DateTime nowUtc, out DateTime from, out DateTime to,
        out (double X, double Y, double Radius)? disc, out int limit)
    {
        disc = null;
        limit = MaxEvents;
        if (TimeRange(query, nowUtc, TimeSpan.FromHours(1), out from, out to) is { } bad) return bad;
        if (Disc(query, (-MaxCoordinate, MaxCoordinate), (-MaxCoordinate, MaxCoordinate), MaxCoordinate, out disc) is { } badDisc) return badDisc;
        if (query["limit"].FirstOrDefault() is { } limitText)
        {
            if (!int.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out limit))
                return new RestError(400, ErrorCodes.InvalidType, "'limit' must be an integer.", "limit");
            if (limit < 1 || limit > MaxEvents) return new RestError(400, ErrorCodes.OutOfRange, $"'limit' must be within [1, {MaxEvents}].", "limit");
        }
        return null;
    }

    /// <summary><c>GET /api/spaces/{id}/aggregates</c>: a time range of at most <see cref="MaxRollups"/> minutes.</summary>
    public static RestError? Aggregates(IQueryCollection query, DateTime nowUtc, out DateTime from, out DateTime to)
    {
        if (TimeRange(query, nowUtc, TimeSpan.FromHours(1), out from, out to) is { } bad) return bad;
        if (to - from > TimeSpan.FromMinutes(MaxRollups))
            return new RestError(400, ErrorCodes.OutOfRange, $"At most {MaxRollups} minutes per query.", "to");
        return null;
    }

    /// <summary>
    /// <c>GET /api/spaces/{id}/forecast</c>: <c>horizon</c> is a whole number of seconds in [1, <paramref name="maxHorizon"/>]
    /// (default <paramref name="defaultHorizon"/>).
    /// </summary>
    public static RestError? Horizon(IQueryCollection query, int defaultHorizon, int maxHorizon, out int horizon)
    {
        horizon = defaultHorizon;
        var values = query["horizon"];
        if (values.Count == 0) return null;
        if (values.Count > 1) return new RestError(400, ErrorCodes.InvalidValue, "'horizon' may be given once.", "horizon");
        string text = values[0] ?? "";
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
            return new RestError(400, ErrorCodes.InvalidType, $"'horizon' must be a whole number of seconds in [1, {maxHorizon}].", "horizon");
        if (v < 1 || v > maxHorizon)
            return new RestError(400, ErrorCodes.OutOfRange, $"'horizon' must be within [1, {maxHorizon}] seconds.", "horizon");
        horizon = (int)v;
        return null;
    }

    /// <summary>The <c>from</c>/<c>to</c> query (ISO-8601; defaults: the last <paramref name="window"/>).</summary>
    public static RestError? TimeRange(IQueryCollection query, DateTime nowUtc, TimeSpan window, out DateTime from, out DateTime to)
    {
        from = nowUtc - window;
        to = nowUtc.AddSeconds(1);
        foreach (var name in new[] { "from", "to" })
        {
            if (query[name].FirstOrDefault() is not { } text) continue;
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var v))
                return new RestError(400, ErrorCodes.InvalidType, $"'{name}' must be an ISO-8601 time.", name);
            if (name == "from") from = v.UtcDateTime; else to = v.UtcDateTime;
        }
        if (to <= from) return new RestError(400, ErrorCodes.OutOfRange, "'to' must be after 'from'.", "to");
        return null;
    }

    // -----------------------------------------------------------------------------------------------------------------
    // POST /api/events

    /// <summary>
    /// The batch as a whole: parsed (size and depth limits of the protocol), an array of events or
    /// <c>{"events": [...]}</c>, at most <paramref name="maxEvents"/>. On success the caller owns <paramref name="document"/>.
    /// </summary>
    public static RestError? Batch(ReadOnlyMemory<byte> body, int maxEvents, out JsonDocument? document, out JsonElement items)
    {
        document = null;
        items = default;
        if (body.Length > MaxBatchBytes) return new RestError(413, ErrorCodes.MessageTooLarge, "Batches are limited to 4 MiB.");
        JsonDocument doc;
        try
        {
            doc = ClientMessageParser.ParseDocument(body);
        }
        catch (ProtocolException e)
        {
            return new RestError(400, e.Code, e.Message);
        }
        var root = doc.RootElement;
        items = root.ValueKind == JsonValueKind.Array ? root
            : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("events", out var ev) && ev.ValueKind == JsonValueKind.Array ? ev
            : default;
        if (items.ValueKind != JsonValueKind.Array)
        {
            doc.Dispose();
            return new RestError(400, ErrorCodes.InvalidType, "The body must be a JSON array of events, or {\"events\": [...]}.", "events");
        }
        int count = items.GetArrayLength();
        if (count > maxEvents)
        {
            doc.Dispose();
            return new RestError(413, ErrorCodes.OutOfRange, $"At most {maxEvents} events per request, got {count}.", "events");
        }
        document = doc;
        return null;
    }

    /// <summary>The space of one batch item (default <c>global</c>); throws <see cref="ProtocolException"/>.</summary>
    public static string ItemSpace(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
            throw new ProtocolException(ErrorCodes.InvalidType, "Each event must be a JSON object.");
        string space = new MessageFields(item).OptionalString("space", 64) ?? SpaceId.Default;
        if (!SpaceId.IsValid(space)) throw new ProtocolException(ErrorCodes.InvalidValue, "'space' must match [a-z0-9-]{1,64}.", "space");
        return space;
    }

    /// <summary>One batch item as the event to store, validated against its space; throws <see cref="ProtocolException"/>.</summary>
    public static EventRecord ItemEvent(JsonElement item, string space, SpaceConfig config, Guid author, DateTime? nowUtc = null)
    {
        var fields = new MessageFields(item);
        var m = ClientMessageParser.Event(fields, config);
        // A "userId" in the body is ignored: the author is the caller's token subject.
        var e = m.ToSpaceEvent(m.EventId ?? Guid.NewGuid(), author);
        if (nowUtc is { } now) e = e with { TimestampUtc = now };
        return new EventRecord(space, e);
    }

    /// <summary>Preferences are a few bytes: anything larger is not a preferences document.</summary>
    public const int MaxPreferencesBytes = 4096;

    /// <summary>
    /// The body of <c>PUT /api/me/preferences</c>: exactly <c>{"collective": true|false}</c>. A missing or non-boolean
    /// <c>collective</c>, or any other field, is an error (a typo must not silently leave a preference as it was).
    /// </summary>
    public static RestError? Preferences(ReadOnlyMemory<byte> body, out SubjectPreferences preferences)
    {
        preferences = new SubjectPreferences();
        if (body.Length > MaxPreferencesBytes) return new RestError(413, ErrorCodes.MessageTooLarge, $"Preferences are limited to {MaxPreferencesBytes} bytes.");
        JsonDocument doc;
        try
        {
            doc = ClientMessageParser.ParseDocument(body);
        }
        catch (ProtocolException e)
        {
            return new RestError(400, e.Code, e.Message);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return new RestError(400, ErrorCodes.InvalidType, "The body must be a JSON object: {\"collective\": true|false}.");
            bool? collective = null;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name != "collective")
                    return new RestError(400, ErrorCodes.InvalidValue, $"Unknown preference '{Truncate(property.Name)}'; the only one is 'collective'.", property.Name.Length <= 64 ? property.Name : null);
                collective = property.Value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => null,
                };
                if (collective is null) return new RestError(400, ErrorCodes.InvalidType, "'collective' must be true or false.", "collective");
            }
            if (collective is not { } c) return new RestError(400, ErrorCodes.MissingField, "'collective' is required.", "collective");
            preferences = new SubjectPreferences { Collective = c };
            return null;
        }
    }

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "...";
}
