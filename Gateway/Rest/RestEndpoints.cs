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
using Resonance.Grains.Forecasting;

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
        app.MapGet("/api/spaces/{id}/forecast", GetForecast).WithSummary("Forecast of global resonance, coherence and active nodes for the next `horizon` seconds, with intervals and measured skill.");
        app.MapGet("/api/spaces/{id}/aggregates", GetAggregates).WithSummary("Per-minute rollups (avg resonance, active users, count, centroid, k-means clusters) in [from, to).");
    }

    private static IResult Error(int status, string code, string message, string? field = null) =>
        new RestError(status, code, message, field).ToResult();

    // -----------------------------------------------------------------------------------------------------------------

    private static async Task<IResult> PostEvents(HttpRequest request, SpaceHubRegistry hubs, EventAppender events, IOptions<GatewayOptions> options,
        Pseudonyms pseudonyms, CancellationToken ct)
    {
        if (AccessTokens.SubjectOf(request.HttpContext.User) is not { } subject)
            return Error(401, ErrorCodes.Unauthorized, "A bearer token is required.");
        if (request.ContentLength is > RestValidation.MaxBatchBytes)
            return Error(413, ErrorCodes.MessageTooLarge, "Batches are limited to 4 MiB.");
        byte[] bytes = await RequestBody.ReadAsync(request, ct);
        if (RestValidation.Batch(bytes, options.Value.MaxEventsPerRequest, out var document, out var items) is { } invalid)
            return invalid.ToResult();
        using (document)
        {
            int count = items.GetArrayLength();
            var results = new List<object>(count);
            var accepted = new List<(EventRecord Record, SpaceHub Hub)>();
            int index = 0;
            foreach (var item in items.EnumerateArray())
            {
                try
                {
                    string space = RestValidation.ItemSpace(item);
                    var hub = await hubs.GetAsync(space);
                    // A "userId" in the body is ignored: the author is the token's subject.
                    var record = RestValidation.ItemEvent(item, space, hub.Geometry.Config, subject);
                    accepted.Add((record, hub));
                    results.Add(new { index, eventId = record.Event.EventId });
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
                catch (UnauthorizedAccessException)
                {
                    return Error(403, ErrorCodes.Forbidden, "This identity is erased; its events are not stored.");
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    return Error(503, ErrorCodes.Unavailable, "The events could not be stored; retry (event ids make retries idempotent).");
                }
                foreach (var (record, hub) in accepted) hub.Relay(record.Event with { UserId = pseudonyms.Of(record.Space, subject) }, subject);
            }
            return Results.Json(new { accepted = accepted.Count, rejected = count - accepted.Count, results },
                statusCode: accepted.Count == 0 && count > 0 ? 400 : 200);
        }
    }

    // -----------------------------------------------------------------------------------------------------------------

    private static async Task<IResult> GetField(string id, HttpRequest request, SpaceHubRegistry hubs, SnapshotCache cache)
    {
        if (!SpaceId.IsValid(id)) return Error(400, ErrorCodes.InvalidValue, "The space id must match [a-z0-9-]{1,64}.", "id");
        var hub = await hubs.GetAsync(id);
        // The query goes through the same validation as a subscribe_field message.
        if (RestValidation.Field(request.Query, hub.Geometry.Config, out var subscription, out string format) is { } bad) return bad.ToResult();
        var s = subscription!;

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
            field = new
            {
                min = t.FieldMin, max = t.FieldMax, mean = t.FieldMean, energy = t.FieldEnergy, samples = g.Grid.SampleCount,
                // The statistics above are of the saturated field F, as sent in frames.
                clamp = g.Config.Clamp, saturation = g.Config.Saturation ?? "clamp",
            },
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

    private static async Task<IResult> GetNodes(string id, HttpRequest request, SpaceHubRegistry hubs, IGrainFactory grains)
    {
        if (!SpaceId.IsValid(id)) return Error(400, ErrorCodes.InvalidValue, "The space id must match [a-z0-9-]{1,64}.", "id");
        var hub = await hubs.GetAsync(id);
        var g = hub.Geometry;
        if (RestValidation.Nodes(request.Query, g, out var disc, out var cells) is { } bad) return bad.ToResult();
        var (cx0, cy0, cx1, cy1) = cells;
        double? x = disc?.X, y = disc?.Y, radius = disc?.Radius;
        var calls = new List<Task<NodeChange[]>>();
        for (int cy = cy0; cy <= cy1; cy++)
            for (int cx = cx0; cx <= cx1; cx++)
                calls.Add(grains.GetGrain<ICellGrain>(CellKey.Format(id, cx, cy)).GetMembers());
        var members = (await Task.WhenAll(calls)).SelectMany(m => m)
            .Where(n => radius is null || (n.X - x!.Value) * (n.X - x.Value) + (n.Y - y!.Value) * (n.Y - y.Value) <= radius.Value * radius.Value)
            .Take(RestValidation.MaxNodes)
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

    private static async Task<IResult> GetEvents(string id, HttpRequest request, IGrainFactory grains, Pseudonyms pseudonyms)
    {
        if (!SpaceId.IsValid(id)) return Error(400, ErrorCodes.InvalidValue, "The space id must match [a-z0-9-]{1,64}.", "id");
        if (RestValidation.Events(request.Query, DateTime.UtcNow, out var from, out var to, out var disc, out int limit) is { } bad) return bad.ToResult();
        (double, double, double)? near = disc;
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
        if (RestValidation.Aggregates(request.Query, DateTime.UtcNow, out var from, out var to) is { } bad) return bad.ToResult();
        var rollups = await grains.GetGrain<IRollupGrain>(id).Get(from, to, RestValidation.MaxRollups);
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

    // -----------------------------------------------------------------------------------------------------------------

    private static async Task<IResult> GetForecast(string id, HttpRequest request, IGrainFactory grains, IOptions<ForecastOptions> options)
    {
        if (RestValidation.SpaceIdError(id) is { } badId) return badId.ToResult();
        var o = options.Value;
        if (RestValidation.Horizon(request.Query, o.DefaultHorizon, o.MaxHorizon, out int horizon) is { } bad) return bad.ToResult();
        ForecastReport report;
        try
        {
            report = await grains.GetGrain<IForecastGrain>(id).Forecast(horizon);
        }
        catch (ArgumentOutOfRangeException e)
        {
            // The silos' MaxHorizon is lower than this gateway's.
            return Error(400, ErrorCodes.OutOfRange, e.Message, "horizon");
        }
        catch (Exception e) when (e is not OperationCanceledException || !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return Error(503, ErrorCodes.Unavailable, "The forecast could not be computed now; retry.");
        }
        if (report.Status == ForecastVerdict.Training)
        {
            request.HttpContext.Response.Headers.RetryAfter = "5";
            return Error(503, ErrorCodes.Unavailable, "The space's first forecast model is being trained; retry in a few seconds.");
        }
        long origin = report.OriginUtc is { } at ? ServerMessages.UnixMs(at) : 0;
        return Results.Json(new
        {
            space = report.Space,
            status = report.Status,
            horizon = report.Horizon,
            horizonCovered = report.HorizonCovered,
            stepSeconds = 1,
            generatedAt = ServerMessages.UnixMs(report.GeneratedUtc),
            origin = report.OriginUtc is null ? (long?)null : origin,
            model = new
            {
                library = "ML.NET FastTree (Microsoft.ML.FastTree)",
                trainedAt = report.TrainedUtc is { } trained ? ServerMessages.UnixMs(trained) : (long?)null,
                historySeconds = report.HistorySamples,
                minHistorySeconds = report.MinHistorySamples,
                trainingRows = report.TrainingRows,
                trainingMilliseconds = Math.Round(report.TrainingMilliseconds, 1),
                intervalCoverage = report.IntervalCoverage,
            },
            measures = report.Measures.ToDictionary(m => m.Name, m => (object)new
            {
                last = m.Last,
                periodSeconds = m.PeriodSeconds,
                skill = new
                {
                    verdict = m.Skill.Verdict,
                    hasSkill = m.Skill.HasSkill,
                    mae = m.Skill.Mae,
                    persistenceMae = m.Skill.PersistenceMae,
                    climatologyMae = m.Skill.ClimatologyMae,
                    skillVsPersistence = m.Skill.SkillVsPersistence,
                    heldOutPoints = m.Skill.HeldOutPoints,
                },
                points = m.Points.Select(p => new
                {
                    aheadSeconds = p.AheadSeconds,
                    timestamp = origin + p.AheadSeconds * 1000L,
                    value = p.Value,
                    lower = p.Lower,
                    upper = p.Upper,
                }),
            }),
        });
    }
}
