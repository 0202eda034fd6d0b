using System.Globalization;
using Microsoft.Extensions.Options;
using Resonance.Gateway.Auth;
using Resonance.Gateway.Events;
using Resonance.Gateway.Hosting;
using Resonance.Gateway.Spaces;
using Resonance.Grains;

namespace Resonance.Gateway.Sessions;

/// <summary>Accepts <c>/api/harmonic-ws</c> (and <c>/ws</c>) connections and runs a <see cref="ClientSession"/> for each.</summary>
public static partial class WebSocketEndpoint
{
    public static readonly string[] Paths = ["/api/harmonic-ws", "/ws"];

    /// <summary>
    /// Answers the session paths first in the pipeline, ahead of static files, authentication, routing and their
    /// per-request state: a session's request lasts as long as the session, so whatever the pipeline keeps for it is
    /// kept once per connected client. The session checks its own token (<see cref="AccessTokens"/>).
    /// </summary>
    public static void Use(WebApplication app)
    {
        var services = new SessionServices(app.Services);
        app.Use(next => context => IsSessionPath(context.Request.Path) ? Handle(context, services) : next(context));
    }

    /// <summary>As routing matched them: any case, with or without one trailing slash (asked of every request, so no allocation).</summary>
    public static bool IsSessionPath(PathString path)
    {
        var value = path.Value.AsSpan();
        if (value.EndsWith('/')) value = value[..^1];
        foreach (var p in Paths)
        {
            if (value.Equals(p, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>The singletons a session needs, resolved once rather than from a request scope per connection.</summary>
    private sealed class SessionServices(IServiceProvider sp)
    {
        public readonly SpaceHubRegistry Hubs = sp.GetRequiredService<SpaceHubRegistry>();
        public readonly IGrainFactory Grains = sp.GetRequiredService<IGrainFactory>();
        public readonly EventAppender Events = sp.GetRequiredService<EventAppender>();
        public readonly IOptions<GatewayOptions> Options = sp.GetRequiredService<IOptions<GatewayOptions>>();
        public readonly GatewayCounters Counters = sp.GetRequiredService<GatewayCounters>();
        public readonly ServerStall Stall = sp.GetRequiredService<ServerStall>();
        public readonly GatewayDrain Drain = sp.GetRequiredService<GatewayDrain>();
        public readonly ILoggerFactory Loggers = sp.GetRequiredService<ILoggerFactory>();
        public readonly IHostApplicationLifetime Lifetime = sp.GetRequiredService<IHostApplicationLifetime>();
        public readonly AccessTokens Tokens = sp.GetRequiredService<AccessTokens>();
        public readonly Pseudonyms Pseudonyms = sp.GetRequiredService<Pseudonyms>();
        public readonly ConnectionLimiter Limiter = sp.GetRequiredService<ConnectionLimiter>();
        public readonly RefusalHold Refusals = sp.GetRequiredService<RefusalHold>();
        public readonly IOptions<AuthOptions> AuthOptions = sp.GetRequiredService<IOptions<AuthOptions>>();
    }

    private static async Task Handle(HttpContext context, SessionServices s)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Results.Problem("This endpoint speaks WebSocket only.", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
            return;
        }
        if (s.Drain.Draining)
        {
            // Shutting down: a load balancer retries the upgrade on another gateway.
            context.Response.Headers.RetryAfter = "1";
            await Results.Problem("This gateway is shutting down; reconnect.", statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
            return;
        }
        var query = context.Request.Query;
        string space = query["space"].FirstOrDefault() ?? SpaceId.Default;
        if (!SpaceId.IsValid(space))
        {
            await Results.Problem("'space' must match [a-z0-9-]{1,64}.", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
            return;
        }
        var o = s.Options.Value;
        // A page of another site must not open a session in its visitor's name (browsers always send Origin).
        if (!OriginPolicy.Allows(context.Request, o.AllowedOrigins))
        {
            await Results.Problem("This Origin may not open a WebSocket here.", statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
            return;
        }

        // Who the session acts as: the token's subject, or (when allowed) a fresh anonymous subject.
        var token = BearerToken(context.Request);
        Guid subject;
        DateTime? expiresUtc = null;
        if (token is not null)
        {
            if (await s.Tokens.ValidateAsync(token) is not { } valid)
            {
                await Results.Problem("The access token is not valid (malformed, wrongly signed or expired).", statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
                return;
            }
            (subject, expiresUtc) = (valid.Subject, valid.ExpiresUtc);
        }
        else if (s.AuthOptions.Value.AllowAnonymous) subject = Guid.NewGuid();
        else
        {
            await Results.Problem("An access token is required (Authorization: Bearer, or access_token).", statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
            return;
        }
        Guid userId = s.Pseudonyms.Of(space, subject);
        if (query["userId"].FirstOrDefault() is { } requested)
        {
            if (!Guid.TryParse(requested, out var asked) || asked == Guid.Empty)
            {
                await Results.Problem("'userId' must be a GUID.", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
                return;
            }
            // An id alone grants nothing: it must name the token's own subject (or its public id in this space).
            if (expiresUtc is null || (asked != subject && asked != userId))
            {
                await Results.Problem("'userId' must be the subject of the access token given.", statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
                return;
            }
        }
        using var lease = s.Limiter.TryAcquire(context.Connection.RemoteIpAddress, o.MaxConnectionsPerAddress);
        if (lease is null)
        {
            s.Counters.ConnectionRefused("session_cap");
            // Held first: a client that retries at once is slowed to one attempt per hold (RefusalHold).
            await s.Refusals.WaitAsync(context.RequestAborted);
            context.Response.Headers.RetryAfter = "5";
            await Results.Problem($"At most {o.MaxConnectionsPerAddress} connections per client address.", statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context);
            return;
        }

        SpaceHub hub;
        try
        {
            hub = await s.Hubs.GetAsync(space);
        }
        catch (Exception e)
        {
            LogHubFailed(s.Loggers.CreateLogger(typeof(WebSocketEndpoint)), space, e);
            await Results.Problem("The cluster is unavailable; retry.", statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
            return;
        }

        (double, double)? position = null;
        string? xs = query["x"].FirstOrDefault(), ys = query["y"].FirstOrDefault();
        if (xs is not null || ys is not null)
        {
            var config = hub.Geometry.Config;
            if (!double.TryParse(xs, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ||
                !double.TryParse(ys, NumberStyles.Float, CultureInfo.InvariantCulture, out double y) ||
                !(x >= 0 && x < config.Width && y >= 0 && y < config.Height))
            {
                await Results.Problem($"'x' and 'y' must both be given, within [0,{config.Width}) x [0,{config.Height}).",
                    statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
                return;
            }
            position = (x, y);
        }

        SessionWriter? writer = null;
        var accepted = await WebSocketHandshake.AcceptAsync(context, o.InlineSocketScheduling, m => writer!.EnqueueReliable(m), o.SocketSendBufferBytes);
        if (accepted is null) return;
        writer = new SessionWriter(accepted.Sink, o.DroppableQueueLength, o.ReliableQueueLength);
        // Pongs are seen only on a connection upgraded here (its reads pass the control stream).
        PongLiveness? liveness = null;
        if (accepted.Control is { } control && o.KeepAliveInterval > TimeSpan.Zero)
        {
            var l = liveness = new PongLiveness(Environment.TickCount64);
            control.Scanner = new ClientFrameScanner((payload, length) => l.Pong(Environment.TickCount64, payload, length));
        }
        using var socket = accepted.Socket;
        var logger = s.Loggers.CreateLogger<ClientSession>();
        using var scope = logger.BeginScope(new SessionLogScope(context.Connection.Id, userId, space));
        ClientSession? session = null;
        try
        {
            await s.Hubs.JoinAsync(space, h => session = new ClientSession(socket, writer, userId, h, position, s.Grains, s.Events, o, s.Counters, s.Stall, logger)
            {
                Subject = subject,
                Authenticated = expiresUtc is not null,
                Tokens = s.Tokens,
                TokenExpiresUtc = expiresUtc ?? DateTime.MaxValue,
                Liveness = liveness,
            });
        }
        catch (Exception e)
        {
            LogHubFailed(s.Loggers.CreateLogger(typeof(WebSocketEndpoint)), space, e);
            return;
        }
        await session!.RunAsync(s.Lifetime.ApplicationStopping);
    }

    /// <summary>The access token from <c>Authorization: Bearer</c>, or from <c>access_token</c> (browsers cannot set headers on a WebSocket).</summary>
    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        return request.Query["access_token"].FirstOrDefault() is { Length: > 0 } q ? q : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Opening space {Space} failed")]
    private static partial void LogHubFailed(ILogger logger, string space, Exception exception);
}
