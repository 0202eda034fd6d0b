using System.Text.Json;
using Microsoft.Extensions.Options;
using Resonance.Gateway.Protocol;
using Resonance.Grains;

namespace Resonance.Gateway.Auth;

/// <summary>
/// <c>POST /api/identities</c> (a new subject with its first token pair) and <c>POST /api/identities/refresh</c> (rotate
/// the pair). Both are rate-limited per client address (<see cref="RateLimitPolicy"/>).
/// </summary>
public static partial class IdentityEndpoints
{
    public const string RateLimitPolicy = "identities";

    public static void Map(WebApplication app)
    {
        app.MapPost("/api/identities", Create).RequireRateLimiting(RateLimitPolicy)
            .WithSummary("Issues a new identity: { userId, accessToken, refreshToken, expiresIn }.");
        app.MapPost("/api/identities/refresh", Refresh).RequireRateLimiting(RateLimitPolicy)
            .WithSummary("Rotates a refresh token: the old one stops working; reusing it revokes the whole family.");
    }

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);

    private static async Task<IResult> Create(IGrainFactory grains, AccessTokens tokens, IOptions<AuthOptions> options, ILoggerFactory loggers)
    {
        var subject = Guid.NewGuid();
        var family = Guid.NewGuid();
        var (refresh, hash) = RefreshTokens.New(family);
        try
        {
            // Listed first, so a family erasure must revoke is never unlisted.
            await grains.GetGrain<ISubjectGrain>(subject).AddTokenFamily(family);
            await grains.GetGrain<IRefreshTokenFamilyGrain>(family).Start(subject, hash, DateTime.UtcNow + options.Value.RefreshTokenLifetime);
        }
        catch (Exception e)
        {
            LogFailed(loggers.CreateLogger(typeof(IdentityEndpoints)), e);
            return Error(503, ErrorCodes.Unavailable, "The identity could not be stored; retry.");
        }
        var (access, _) = tokens.Issue(subject);
        return Results.Json(new { userId = subject, accessToken = access, refreshToken = refresh, expiresIn = (int)tokens.Lifetime.TotalSeconds },
            statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> Refresh(HttpRequest request, IGrainFactory grains, AccessTokens tokens, IOptions<AuthOptions> options,
        ILoggerFactory loggers, CancellationToken ct)
    {
        string? presented;
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            presented = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("refreshToken", out var t)
                && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }
        catch (JsonException)
        {
            return Error(400, ErrorCodes.InvalidJson, "The body must be {\"refreshToken\": \"...\"}.");
        }
        if (presented is null) return Error(400, ErrorCodes.MissingField, "'refreshToken' is required.");
        if (!RefreshTokens.TryParse(presented, out var family, out var hash))
            return Error(401, ErrorCodes.Unauthorized, "The refresh token is not valid.");
        var (next, nextHash) = RefreshTokens.New(family);
        RefreshOutcome outcome;
        try
        {
            outcome = await grains.GetGrain<IRefreshTokenFamilyGrain>(family).Rotate(hash, nextHash, DateTime.UtcNow + options.Value.RefreshTokenLifetime);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogFailed(loggers.CreateLogger(typeof(IdentityEndpoints)), e);
            return Error(503, ErrorCodes.Unavailable, "The refresh could not be stored; retry with the same refresh token.");
        }
        return outcome.Status switch
        {
            RefreshStatus.Rotated => Results.Json(new
            {
                userId = outcome.Subject,
                accessToken = tokens.Issue(outcome.Subject).Token,
                refreshToken = next,
                expiresIn = (int)tokens.Lifetime.TotalSeconds,
            }),
            RefreshStatus.ReuseDetected => Error(401, ErrorCodes.Unauthorized, "This refresh token was used before; every token of its family is revoked."),
            RefreshStatus.Revoked => Error(401, ErrorCodes.Unauthorized, "This refresh token was revoked."),
            RefreshStatus.Expired => Error(401, ErrorCodes.Unauthorized, "This refresh token expired."),
            _ => Error(401, ErrorCodes.Unauthorized, "The refresh token is not valid."),
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing a refresh-token family failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
