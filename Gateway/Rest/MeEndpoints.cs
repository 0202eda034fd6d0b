using System.Text.Json.Nodes;
using Resonance.Gateway.Auth;
using Resonance.Gateway.Protocol;
using Resonance.Gateway.Sessions;
using Resonance.Gateway.Spaces;
using Resonance.Grains;

namespace Resonance.Gateway.Rest;

/// <summary>
/// The data subject's rights, each for the subject of the bearer token only: access and portability
/// (<c>GET /api/me/export</c>), erasure (<c>DELETE /api/me</c>) and objection (<c>PUT /api/me/preferences</c>). The
/// work is the subject grain's (<see cref="ISubjectGrain"/>); these endpoints authenticate, validate and shape the JSON.
/// </summary>
public static partial class MeEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/me/export", Export).RequireAuthorization()
            .WithSummary("Everything stored about the caller as one JSON document: identity, preferences, memory nodes, events, live participants and pairs.");
        app.MapDelete("/api/me", Erase).RequireAuthorization()
            .WithSummary("Erases the caller: shreds its data key, deletes its memory nodes, ends its participants and pairs, revokes every token. Answers once durable.");
        app.MapGet("/api/me/preferences", GetPreferences).RequireAuthorization().WithSummary("The caller's preferences.");
        app.MapPut("/api/me/preferences", PutPreferences).RequireAuthorization()
            .WithSummary("Sets the caller's preferences: {\"collective\": false} leaves it out of global measures and entanglement, and its events unrelayed.");
    }

    private static IResult Error(int status, string code, string message, string? field = null) =>
        new RestError(status, code, message, field).ToResult();

    private static IResult Unavailable(ILoggerFactory loggers, string what, Guid subject, Exception e)
    {
        LogFailed(loggers.CreateLogger(typeof(MeEndpoints)), what, subject, e);
        return Error(503, ErrorCodes.Unavailable, $"The {what} could not be completed; retry.");
    }

    private static async Task<IResult> Export(HttpRequest request, IGrainFactory grains, ILoggerFactory loggers)
    {
        if (AccessTokens.SubjectOf(request.HttpContext.User) is not { } subject)
            return Error(401, ErrorCodes.Unauthorized, "A bearer token is required.");
        SubjectExport export;
        try
        {
            export = await grains.GetGrain<ISubjectGrain>(subject).Export();
        }
        catch (Exception e) when (e is not OperationCanceledException || !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(loggers, "export", subject, e);
        }
        return Results.Json(new
        {
            identity = new { userId = export.Subject, erased = export.Erased, refreshTokenFamilies = export.TokenFamilies },
            exportedUtc = export.ExportedUtc,
            preferences = new { collective = export.Preferences.Collective },
            memoryNodes = export.MemoryNodes.Select(n => new
            {
                memoryId = n.Id,
                space = n.Space,
                x = n.X,
                y = n.Y,
                influence = n.Strength,
                harmonic = n.Frequency,
                archetype = n.Archetype,
                @public = n.Public,
                content = n.Content,
                version = n.Version,
                updatedUtc = n.UpdatedUtc,
            }),
            events = export.Events.Select(r => new
            {
                eventId = r.Event.EventId,
                space = r.Space,
                eventType = r.Event.EventType,
                data = JsonNode.Parse(r.Event.DataJson),
                x = r.Event.X,
                y = r.Event.Y,
                resonance = r.Event.Resonance,
                timestamp = r.Event.TimestampUtc,
            }),
            eventsTruncated = export.EventsTruncated,
            // Each live participant under the public id others see for it in its space, with its partners' public ids.
            participants = export.Participants.Select(p => new
            {
                userId = p.Node.Id,
                space = p.Node.Space,
                x = p.Node.X,
                y = p.Node.Y,
                frequency = p.Node.Frequency,
                amplitude = p.Node.Strength,
                phase = p.Node.Phase,
                resonance = p.Node.Resonance,
                updatedUtc = p.Node.UpdatedUtc,
                partners = p.Partners,
            }),
        });
    }

    private static async Task<IResult> Erase(HttpRequest request, IGrainFactory grains, SpaceHubRegistry hubs, ILoggerFactory loggers)
    {
        if (AccessTokens.SubjectOf(request.HttpContext.User) is not { } subject)
            return Error(401, ErrorCodes.Unauthorized, "A bearer token is required.");
        try
        {
            await grains.GetGrain<ISubjectGrain>(subject).Erase();
        }
        catch (Exception e) when (e is not OperationCanceledException || !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // Erasure is idempotent: a retry finishes what this attempt began.
            return Unavailable(loggers, "erasure", subject, e);
        }
        // This gateway's open sessions of the subject end now; on other gateways its (short-lived) access token is
        // refused at the next connect and its sessions end when the token expires (its refresh tokens are revoked).
        foreach (var hub in hubs.Active)
            foreach (var session in hub.SessionsOf(subject))
                session.RequestClose(ClientSession.IdentityErased, "identity erased");
        LogErased(loggers.CreateLogger(typeof(MeEndpoints)), subject);
        return Results.Json(new { userId = subject, erased = true });
    }

    private static async Task<IResult> GetPreferences(HttpRequest request, IGrainFactory grains, ILoggerFactory loggers)
    {
        if (AccessTokens.SubjectOf(request.HttpContext.User) is not { } subject)
            return Error(401, ErrorCodes.Unauthorized, "A bearer token is required.");
        try
        {
            var preferences = await grains.GetGrain<ISubjectGrain>(subject).GetPreferences();
            return Results.Json(new { collective = preferences.Collective });
        }
        catch (Exception e) when (e is not OperationCanceledException || !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(loggers, "read of the preferences", subject, e);
        }
    }

    private static async Task<IResult> PutPreferences(HttpRequest request, IGrainFactory grains, ILoggerFactory loggers, CancellationToken ct)
    {
        if (AccessTokens.SubjectOf(request.HttpContext.User) is not { } subject)
            return Error(401, ErrorCodes.Unauthorized, "A bearer token is required.");
        if (request.ContentLength is > RestValidation.MaxPreferencesBytes)
            return Error(413, ErrorCodes.MessageTooLarge, $"Preferences are limited to {RestValidation.MaxPreferencesBytes} bytes.");
        byte[] bytes = await RequestBody.ReadAsync(request, ct);
        if (RestValidation.Preferences(bytes, out var preferences) is { } invalid) return invalid.ToResult();
        try
        {
            await grains.GetGrain<ISubjectGrain>(subject).SetPreferences(preferences);
        }
        catch (InvalidOperationException e)
        {
            return Error(403, ErrorCodes.Forbidden, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return Unavailable(loggers, "change of the preferences", subject, e);
        }
        return Results.Json(new { collective = preferences.Collective });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {What} of subject {Subject} failed")]
    private static partial void LogFailed(ILogger logger, string what, Guid subject, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Subject {Subject} erased on request")]
    private static partial void LogErased(ILogger logger, Guid subject);
}
