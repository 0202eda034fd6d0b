using System.Globalization;
using Microsoft.Extensions.Options;
using Resonance.Gateway.Events;
using Resonance.Gateway.Hosting;
using Resonance.Gateway.Spaces;
using Resonance.Grains;

namespace Resonance.Gateway.Sessions;

/// <summary>Accepts <c>/api/harmonic-ws</c> (and <c>/ws</c>) connections and runs a <see cref="ClientSession"/> for each.</summary>
public static partial class WebSocketEndpoint
{
    public static readonly string[] Paths = ["/api/harmonic-ws", "/ws"];

    public static void Map(WebApplication app)
    {
        foreach (var path in Paths)
            app.Map(path, Handle).ExcludeFromDescription();
    }

    private static async Task Handle(
        HttpContext context,
        SpaceHubRegistry hubs,
        IGrainFactory grains,
        EventAppender events,
        IOptions<GatewayOptions> options,
        GatewayCounters counters,
        ServerStall stall,
        GatewayDrain drain,
        ILoggerFactory loggers,
        IHostApplicationLifetime lifetime)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Results.Problem("This endpoint speaks WebSocket only.", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
            return;
        }
        if (drain.Draining)
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
        Guid userId = Guid.NewGuid();
        if (query["userId"].FirstOrDefault() is { } requested && (!Guid.TryParse(requested, out userId) || userId == Guid.Empty))
        {
            await Results.Problem("'userId' must be a GUID.", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
            return;
        }

        SpaceHub hub;
        try
        {
            hub = await hubs.GetAsync(space);
        }
        catch (Exception e)
        {
            LogHubFailed(loggers.CreateLogger(typeof(WebSocketEndpoint)), space, e);
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

        var o = options.Value;
        SessionWriter? writer = null;
        var accepted = await WebSocketHandshake.AcceptAsync(context, o.InlineSocketScheduling, m => writer!.EnqueueReliable(m), o.SocketSendBufferBytes);
        if (accepted is null) return;
        writer = new SessionWriter(accepted.Sink, o.DroppableQueueLength, o.ReliableQueueLength);
        using var socket = accepted.Socket;
        var logger = loggers.CreateLogger<ClientSession>();
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["ConnectionId"] = context.Connection.Id, ["UserId"] = userId, ["Space"] = space });
        ClientSession? session = null;
        try
        {
            await hubs.JoinAsync(space, h => session = new ClientSession(socket, writer, userId, h, position, grains, events, o, counters, stall, logger));
        }
        catch (Exception e)
        {
            LogHubFailed(loggers.CreateLogger(typeof(WebSocketEndpoint)), space, e);
            return;
        }
        await session!.RunAsync(lifetime.ApplicationStopping);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Opening space {Space} failed")]
    private static partial void LogHubFailed(ILogger logger, string space, Exception exception);
}
