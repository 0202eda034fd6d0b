using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Resonance.Gateway.Auth;
using Resonance.Gateway.Events;
using Resonance.Gateway.Hosting;
using Resonance.Gateway.Protocol;
using Resonance.Gateway.Spaces;
using Resonance.Grains;

namespace Resonance.Gateway.Rest;

/// <summary>The REST API: event ingest, field snapshots (json/f32/png), global measures, node queries.</summary>
public static partial class RestEndpoints
{
    public static void Map(WebApplication app)
    {
        // A write names no user: the bearer token's subject is the author of every event in the batch.
        app.MapPost("/api/events", PostEvents).RequireAuthorization()
            .WithSummary("Ingest a batch of consciousness events (bearer token required; the author is its subject); answers after they are committed.");
        app.MapGet("/api/memories/{memoryId:guid}", GetMemory).WithSummary("A memory node; its content only for its owner's token, or when public.");
        app.MapDelete("/api/memories/{memoryId:guid}", DeleteMemory).RequireAuthorization()
            .WithSummary("Dissolves one of the caller's memory nodes (removed from the field and from storage).");
        app.MapGet("/api/spaces/{id}/field", GetField).WithSummary("The composed field over a viewport as JSON, float32 (RFLD) or a PNG heatmap.");
        app.MapGet("/api/spaces/{id}/stats", GetStats).WithSummary("The space's global measures and the gateway's measured performance.");
        app.MapGet("/api/spaces/{id}/nodes", GetNodes).WithSummary("Nodes of the space, optionally within radius of (x, y).");
        app.MapGet("/api/spaces/{id}/events", GetEvents).WithSummary("Stored events of the space in [from, to), optionally within radius of (x, y).");
        app.MapGet("/api/spaces/{id}/aggregates", GetAggregates).WithSummary("Per-minute rollups (avg resonance, active users, count, centroid, k-means clusters) in [from, to).");
    }

    private static IResult Error(int status, string code, string message, string? field = null) =>
        Results.Json(new { error = new { code, message, field } }, statusCode: status);

    /// <summary>An optional numeric query parameter: null when absent, an error result when not a finite number in [min, max].</summary>
    private static IResult? QueryNumber(HttpRequest request, string name, double min, double max, out double? value)
    {
        value = null;
        if (request.Query[name].FirstOrDefault() is not { } text) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            return Error(400, ErrorCodes.InvalidType, $"'{name}' must be a number.", name);
        if (!double.IsFinite(v)) return Error(400, ErrorCodes.NotFinite, $"'{name}' must be finite.", name);
        if (v < min || v > max) return Error(400, ErrorCodes.OutOfRange, $"'{name}' must be within [{min}, {max}].", name);
        value = v;
        return null;
    }

    /// <summary>The optional proximity disc of a query: <c>x</c>, <c>y</c> and <c>radius</c> together, or none of them.</summary>
    private static IResult? QueryDisc(HttpRequest request, (double Min, double Max) xRange, (double Min, double Max) yRange, double maxRadius,
        out double? x, out double? y, out double? radius)
    {
        y = radius = null;
        var bad = QueryNumber(request, "x", xRange.Min, xRange.Max, out x)
            ?? QueryNumber(request, "y", yRange.Min, yRange.Max, out y)
            ?? QueryNumber(request, "radius", 0, maxRadius, out radius);
        if (bad is not null) return bad;
        if ((x, y, radius) is not (null, null, null) && (x is null || y is null || radius is null))
            return Error(400, ErrorCodes.MissingField, "'x', 'y' and 'radius' go together.");
        return null;
    }

    // -----------------------------------------------------------------------------------------------------------------

    private static async Task<IResult> PostEvents(HttpRequest request, SpaceHubRegistry hubs, EventAppender events, IOptions<GatewayOptions> options,
        Pseudonyms pseudonyms, CancellationToken ct)
    {
        if (AccessTokens.SubjectOf(request.HttpContext.User) is not { } subject)
            return Error(401, ErrorCodes.Unauthorized, "A bearer token is required.");
        if (request.ContentLength is > 4 * 1024 * 1024)
            return Error(413, ErrorCodes.MessageTooLarge, "Batches are limited to 4 MiB.");
        JsonDocument document;
        try
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, ct);
            if (body.Length > 4 * 1024 * 1024) return Error(413, ErrorCodes.MessageTooLarge, "Batches are limited to 4 MiB.");
            document = ClientMessageParser.ParseDocument(body.ToArray());
        }
        catch (ProtocolException e)
        {
            return Error(400, e.Code, e.Message);
        }
        using (document)
        {
            var root = document.RootElement;
            JsonElement items = root.ValueKind == JsonValueKind.Array ? root
                : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("events", out var ev) && ev.ValueKind == JsonValueKind.Array ? ev
                : default;
            if (items.ValueKind != JsonValueKind.Array)
                return Error(400, ErrorCodes.InvalidType, "The body must be a JSON array of events, or {\"events\": [...]}.", "events");
            int count = items.GetArrayLength();
            if (count > options.Value.MaxEventsPerRequest)
                return Error(413, ErrorCodes.OutOfRange, $"At most {options.Value.MaxEventsPerRequest} events per request, got {count}.", "events");

            var results = new List<object>(count);
            var accepted = new List<(EventRecord Record, SpaceHub Hub)>();
            int index = 0;
            foreach (var item in items.EnumerateArray())
            {
                try
                {
                    if (item.ValueKind != JsonValueKind.Object)
                        throw new ProtocolException(ErrorCodes.InvalidType, "Each event must be a JSON object.");
                    var fields = new MessageFields(item);
                    string space = fields.OptionalString("space", 64) ?? SpaceId.Default;
                    if (!SpaceId.IsValid(space)) throw new ProtocolException(ErrorCodes.InvalidValue, "'space' must match [a-z0-9-]{1,64}.", "space");
                    var hub = await hubs.GetAsync(space);
                    var m = ClientMessageParser.Event(fields, hub.Geometry.Config);
                    // A "userId" in the body is ignored: the author is the token's subject.
                    var e = m.ToSpaceEvent(fields.OptionalGuid("eventId") ?? Guid.NewGuid(), subject);
                    accepted.Add((new EventRecord(space, e), hub));
                    results.Add(new { index, eventId = e.EventId });
                }
                catch (ProtocolException e)
                {
                    results.Add(new { index, error = new { code = e.Code, message = e.Message, field = e.Field } });
                }
                index++;
            }
            if (accepted.Count > 0)
            {
                try
                {
                    await events.AppendAsync([.. accepted.Select(a => a.Record)], ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    return Error(503, ErrorCodes.Unavailable, "The events could not be stored; retry (event ids make retries idempotent).");
                }
                foreach (var (record, hub) in accepted) hub.Relay(record.Event with { UserId = pseudonyms.Of(record.Space, subject) });
            }
            return Results.Json(new { accepted = accepted.Count, rejected = count - accepted.Count, results },
                statusCode: accepted.Count == 0 && count > 0 ? 400 : 200);
        }
    }

    // -----------------------------------------------------------------------------------------------------------------

    private static readonly string[] FieldQueryNumbers = ["x0", "y0", "x1", "y1", "width", "height"];

    private static async Task<IResult> GetField(string id, HttpRequest request, SpaceHubRegistry hubs, SnapshotCache cache)
    {
        if (!SpaceId.IsValid(id)) return Error(400, ErrorCodes.InvalidValue, "The space id must match [a-z0-9-]{1,64}.", "id");
        var hub = await hubs.GetAsync(id);
        // The query goes through the same validation as a subscribe_field message.
        var json = new JsonObject { ["type"] = MessageTypes.SubscribeField };
        foreach (var name in FieldQueryNumbers)
        {
            // Ranges are the subscription parser's to check.
            if (QueryNumber(request, name, double.NegativeInfinity, double.PositiveInfinity, out double? v) is { } bad) return bad;
            if (v is { } value) json[name] = value;
        }
        string format = request.Query["format"].FirstOrDefault() ?? "json";
        if (format is not ("json" or "f32" or "png")) return Error(400, ErrorCodes.InvalidValue, "'format' must be json, f32 or png.", "format");
        json["format"] = format == "f32" ? "f32" : "json";
        FieldSubscription s;
        try
        {
            using var doc = JsonDocument.Parse(json.ToJsonString());
            s = ClientMessageParser.Subscription(new MessageFields(doc.RootElement), hub.Geometry.Config);
        }
        catch (ProtocolException e)
        {
            return Error(400, e.Code, e.Message, e.Field);
        }

        await hub.EnsureCellsAsync(s, hold: TimeSpan.FromSeconds(60));
        var (mirror, seq) = hub.Version;
        string viewport = string.Create(CultureInfo.InvariantCulture, $"{s.X0},{s.Y0},{s.X1},{s.Y1},{s.Width}x{s.Height}");
        var key = new SnapshotCache.Key(id, mirror, seq, viewport, format);
        if (cache.TryGet(key, out var bytes, out var contentType))
            return Results.Bytes(bytes, contentType);

        var sample = hub.Sample(s);
        double min = sample.Values.Length == 0 ? 0 : sample.Values.Min(), max = sample.Values.Length == 0 ? 0 : sample.Values.Max();
        (bytes, contentType) = format switch
        {
            "png" => (HeatmapPng.Encode(sample.Values, s.Width, s.Height, min, max), "image/png"),
            "f32" => (FieldFrames.Encode(s, (uint)sample.Seq, sample.Values, sample.Time, sample.G), "application/octet-stream"),
            _ => (FieldFrames.Encode(s, (uint)sample.Seq, sample.Values, sample.Time, sample.G), "application/json"),
        };
        cache.Put(key with { MirrorVersion = sample.Mirror, TickSeq = sample.Seq }, bytes, contentType);
        return Results.Bytes(bytes, contentType);
    }

    // -----------------------------------------------------------------------------------------------------------------

    private static async Task<IResult> GetStats(string id, SpaceHubRegistry hubs, SnapshotCache cache, GatewayCounters counters)
    {
        if (!SpaceId.IsValid(id)) return Error(400, ErrorCodes.InvalidValue, "The space id must match [a-z0-9-]{1,64}.", "id");
        var hub = await hubs.GetAsync(id);
        var t = hub.Latest;
        var g = hub.Geometry;
        double footprint = Math.PI * Math.Pow(g.Config.Cutoff / g.Grid.Spacing, 2);
        return Results.Json(new
        {
            space = id,
            seq = t.Seq,
            globalResonance = t.GlobalResonance,
            activeNodes = t.ActiveNodes,
            memoryNodes = t.MemoryNodes,
            quantumCoherence = t.QuantumCoherence,
            meanPhase = t.MeanPhase,
            phiCascades = t.PairCount,
            field = new { min = t.FieldMin, max = t.FieldMax, mean = t.FieldMean, energy = t.FieldEnergy, samples = g.Grid.SampleCount },
            timestamp = ServerMessages.UnixMs(t.TimestampUtc),
            gateway = new
            {
                connectedClients = counters.Connected,
                sessionsInSpace = hub.SessionCount,
                messagesIn = counters.MessagesIn,
                messagesOut = counters.MessagesOut,
                errors = counters.Errors,
                framesDropped = counters.FramesDropped,
                ticksReceived = hub.TicksReceived,
                resubscriptions = hub.Resubscriptions,
            },
            performance = new
            {
                cacheEnabled = true,
                cacheHitRate = cache.HitRate,
                cacheHits = cache.Hits,
                cacheMisses = cache.Misses,
                cacheEntries = cache.Count,
                cacheBytes = cache.Bytes,
                spatialIndexEnabled = true,
                spatialIndex = $"cell grid {g.CellsX}x{g.CellsY}, side {g.CellSize}",
                calculationComplexity = "O(footprint) per node update",
                footprintSamples = Math.Round(footprint, 1),
                averageResponseTime = counters.AverageRestResponseMs,
            },
        });
    }

    // -----------------------------------------------------------------------------------------------------------------

    private const int MaxNodes = 10_000;

    private static async Task<IResult> GetNodes(string id, HttpRequest request, SpaceHubRegistry hubs, IGrainFactory grains)
    {
        if (!SpaceId.IsValid(id)) return Error(400, ErrorCodes.InvalidValue, "The space id must match [a-z0-9-]{1,64}.", "id");
        var hub = await hubs.GetAsync(id);
        var g = hub.Geometry;
        if (QueryDisc(request, (0.0, g.Config.Width), (0.0, g.Config.Height), 2 * Math.Max(g.Config.Width, g.Config.Height),
                out double? x, out double? y, out double? radius) is { } bad)
            return bad;

        int cx0 = 0, cx1 = g.CellsX - 1, cy0 = 0, cy1 = g.CellsY - 1;
        if (radius is { } r)
        {
            (cx0, cy0) = g.CellOf(Math.Max(0, x!.Value - r), Math.Max(0, y!.Value - r));
            (cx1, cy1) = g.CellOf(Math.Min(g.Config.Width, x.Value + r), Math.Min(g.Config.Height, y.Value + r));
        }
        if ((long)(cx1 - cx0 + 1) * (cy1 - cy0 + 1) > 4096)
            return Error(400, ErrorCodes.OutOfRange, "The query covers too many cells; give x, y and a smaller radius.", "radius");
        var calls = new List<Task<NodeChange[]>>();
        for (int cy = cy0; cy <= cy1; cy++)
            for (int cx = cx0; cx <= cx1; cx++)
                calls.Add(grains.GetGrain<ICellGrain>(CellKey.Format(id, cx, cy)).GetMembers());
        var members = (await Task.WhenAll(calls)).SelectMany(m => m)
            .Where(n => radius is null || (n.X - x!.Value) * (n.X - x.Value) + (n.Y - y!.Value) * (n.Y - y.Value) <= radius.Value * radius.Value)
            .Take(MaxNodes)
            .Select(n => new
            {
                id = n.NodeId,
                kind = n.Kind == NodeKind.Memory ? "memory" : "participant",
                x = n.X,
                y = n.Y,
                strength = n.Strength,
                phase = n.Phase,
                resonance = n.Resonance,
            })
            .ToList();
        return Results.Json(new { space = id, count = members.Count, nodes = members });
    }

    // -----------------------------------------------------------------------------------------------------------------

    private const int MaxEvents = 10_000;
    private const int MaxRollups = 7 * 24 * 60;
    // Positions are field units; anything beyond this is a mistake rather than a query.
    private const double MaxCoordinate = 1e9;

    private static async Task<IResult> GetEvents(string id, HttpRequest request, IGrainFactory grains, Pseudonyms pseudonyms)
    {
        if (!SpaceId.IsValid(id)) return Error(400, ErrorCodes.InvalidValue, "The space id must match [a-z0-9-]{1,64}.", "id");
        var range = TimeRange(request, TimeSpan.FromHours(1));
        if (range.Error is { } invalid) return invalid;
        DateTime from = range.From, to = range.To;
        if (QueryDisc(request, (-MaxCoordinate, MaxCoordinate), (-MaxCoordinate, MaxCoordinate), MaxCoordinate,
                out double? x, out double? y, out double? radius) is { } bad)
            return bad;
        int limit = MaxEvents;
        if (request.Query["limit"].FirstOrDefault() is { } limitText)
        {
            if (!int.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out limit))
                return Error(400, ErrorCodes.InvalidType, "'limit' must be an integer.", "limit");
            if (limit < 1 || limit > MaxEvents) return Error(400, ErrorCodes.OutOfRange, $"'limit' must be within [1, {MaxEvents}].", "limit");
        }

        var near = radius is { } r ? (x!.Value, y!.Value, r) : ((double, double, double)?)null;
        var events = await grains.GetGrain<IEventLogGrain>(0).Query(new EventQuery(id, from, to, limit, near));
        return Results.Json(new
        {
            space = id,
            count = events.Length,
            events = events.Select(r => new
            {
                eventId = r.Event.EventId,
                // Public ids only: the author's pseudonym in this space.
                userId = r.Event.UserId == Guid.Empty ? Guid.Empty : pseudonyms.Of(id, r.Event.UserId),
                eventType = r.Event.EventType,
                data = JsonNode.Parse(r.Event.DataJson),
                x = r.Event.X,
                y = r.Event.Y,
                resonance = r.Event.Resonance,
                timestamp = r.Event.TimestampUtc,
            }),
        });
    }

    private static async Task<IResult> GetMemory(Guid memoryId, HttpRequest request, IGrainFactory grains, Pseudonyms pseudonyms)
    {
        var node = await grains.GetGrain<INodeGrain>(memoryId).GetSnapshot();
        if (node is not { Kind: NodeKind.Memory, Live: true })
            return Error(404, ErrorCodes.NotFound, $"There is no memory node {memoryId}.");
        bool mine = node.Owner is { } owner && AccessTokens.SubjectOf(request.HttpContext.User) == owner;
        return Results.Json(new
        {
            memoryId = node.Id,
            space = node.Space,
            owner = node.Owner is { } o ? pseudonyms.Of(node.Space, o) : (Guid?)null,
            mine,
            x = node.X,
            y = node.Y,
            influence = node.Strength,
            harmonic = node.Frequency,
            archetype = node.Archetype,
            @public = node.Public,
            // Private unless its owner asks or made it public.
            content = mine || node.Public ? node.Content : null,
            version = node.Version,
        });
    }

    private static async Task<IResult> DeleteMemory(Guid memoryId, HttpRequest request, IGrainFactory grains)
    {
        if (AccessTokens.SubjectOf(request.HttpContext.User) is not { } subject)
            return Error(401, ErrorCodes.Unauthorized, "A bearer token is required.");
        try
        {
            await grains.GetGrain<INodeGrain>(memoryId).Dissolve(subject);
        }
        catch (KeyNotFoundException e)
        {
            return Error(404, ErrorCodes.NotFound, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            return Error(403, ErrorCodes.Forbidden, e.Message);
        }
        return Results.NoContent();
    }

    private static async Task<IResult> GetAggregates(string id, HttpRequest request, IGrainFactory grains)
    {
        if (!SpaceId.IsValid(id)) return Error(400, ErrorCodes.InvalidValue, "The space id must match [a-z0-9-]{1,64}.", "id");
        var range = TimeRange(request, TimeSpan.FromHours(1));
        if (range.Error is { } invalid) return invalid;
        DateTime from = range.From, to = range.To;
        if (to - from > TimeSpan.FromMinutes(MaxRollups))
            return Error(400, ErrorCodes.OutOfRange, $"At most {MaxRollups} minutes per query.", "to");
        var rollups = await grains.GetGrain<IRollupGrain>(id).Get(from, to, MaxRollups);
        return Results.Json(new
        {
            space = id,
            count = rollups.Length,
            minutes = rollups.Select(m => new
            {
                minute = m.MinuteUtc,
                avgResonance = m.AvgResonance,
                activeUsers = m.ActiveUsers,
                eventCount = m.EventCount,
                centroid = m.CentroidX is { } cx && m.CentroidY is { } cy ? new { x = cx, y = cy } : null,
                clusters = m.Clusters.Select(c => new { x = c.X, y = c.Y, count = c.Count, sumSquares = c.SumSquares }),
            }),
        });
    }

    /// <summary>The <c>from</c>/<c>to</c> query (ISO-8601; defaults: the last <paramref name="window"/>), or the 400 answer.</summary>
    private static ParsedRange TimeRange(HttpRequest request, TimeSpan window)
    {
        DateTime from = DateTime.UtcNow - window, to = DateTime.UtcNow.AddSeconds(1);
        foreach (var name in new[] { "from", "to" })
        {
            if (request.Query[name].FirstOrDefault() is not { } text) continue;
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var v))
                return new ParsedRange(default, default, Error(400, ErrorCodes.InvalidType, $"'{name}' must be an ISO-8601 time.", name));
            if (name == "from") from = v.UtcDateTime; else to = v.UtcDateTime;
        }
        if (to <= from) return new ParsedRange(default, default, Error(400, ErrorCodes.OutOfRange, "'to' must be after 'from'.", "to"));
        return new ParsedRange(from, to, null);
    }
}
