using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Orleans.Dashboard;
using Resonance.Gateway.Auth;
using Microsoft.Extensions.Options;
using Resonance.Gateway.Events;
using Resonance.Gateway.Rest;
using Resonance.Gateway.Sessions;
using Resonance.Gateway.Spaces;
using Resonance.Grains;
using Resonance.Grains.Hosting;
using Resonance.Grains.Events;

namespace Resonance.Gateway.Hosting;

/// <summary>
/// Builds the gateway: WebSocket + REST bridge to the grains, and the web viewer. In <c>embedded</c> mode (the default)
/// it co-hosts a silo with localhost clustering; in <c>client</c> mode it joins separately started silos.
/// </summary>
public static partial class GatewayApp
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Client mode without Resonance:Auth:SigningKey / PseudonymKey: this gateway uses keys of its own data directory, so its tokens and pseudonyms differ from other gateways'. Configure both keys on every gateway.")]
    private static partial void LogLocalKeys(ILogger logger);

    /// <summary>
    /// With <see cref="GatewayOptions.InlineSocketScheduling"/> (the default), socket completions also run on the socket
    /// engine's thread instead of being queued to the thread pool (.NET reads this switch from the environment once, when
    /// sockets are first used, so it is set before anything else starts).
    /// </summary>
    public static void UseInlineSocketCompletions(string[] args)
    {
        var config = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        const string variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
        if (config.GetValue($"{GatewayOptions.Section}:{nameof(GatewayOptions.InlineSocketScheduling)}", true)
            && Environment.GetEnvironmentVariable(variable) is null)
            Environment.SetEnvironmentVariable(variable, "1");
    }

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Started from elsewhere (tests, benchmarks, a published folder run by path), the settings and the static files
        // are found next to the binary: the server behaves the same wherever it is started from.
        string cwd = Directory.GetCurrentDirectory();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = File.Exists(Path.Combine(cwd, "appsettings.json")) ? null : AppContext.BaseDirectory,
            WebRootPath = Directory.Exists(Path.Combine(cwd, "wwwroot")) ? null : Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        configure?.Invoke(builder);
        builder.AddResonanceObservability("resonance-gateway", GatewayCounters.MeterName);

        var gateway = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new();
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section);
        // Only the horizon limits are read here; the models live on the silos (no ML code runs in a client-mode gateway).
        builder.Services.AddOptions<Resonance.Grains.Forecasting.ForecastOptions>().BindConfiguration(Resonance.Grains.Forecasting.ForecastOptions.Section);

        bool embedded = !string.Equals(gateway.Mode, "client", StringComparison.OrdinalIgnoreCase);
        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new();
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        var keys = AuthKeys.Load(auth, gateway.DataDirectory);
        var tokens = new AccessTokens(auth, keys);
        builder.Services.AddSingleton(keys);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton<Pseudonyms>();
        builder.Services.AddSingleton<ConnectionLimiter>();
        // REST writes take their subject from a bearer token checked with the same parameters as the WebSocket's.
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = tokens.Parameters;
        });
        builder.Services.AddAuthorization();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(IdentityEndpoints.RateLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = Math.Max(1, auth.IdentityRequestsPerMinute), Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        // The Orleans Dashboard costs CPU even when nobody looks (ResonanceDashboard), so it is off unless enabled.
        bool dashboard = ResonanceDashboard.IsEnabled(builder.Configuration);
        if (embedded)
        {
            // Without PostgreSQL the co-hosted silo keeps grain state in a SQLite file next to the events, so a restart
            // loses no memory node.
            if (string.IsNullOrWhiteSpace(builder.Configuration["Resonance:Storage:Postgres"]) &&
                string.IsNullOrWhiteSpace(builder.Configuration["Resonance:Storage:Sqlite"]))
                builder.Configuration["Resonance:Storage:Sqlite"] = Path.Combine(gateway.DataDirectory, "grains.db");
            builder.UseOrleans(orleans =>
            {
                orleans.UseResonanceCluster(builder.Configuration);
                orleans.AddResonanceGrains();
                if (dashboard) orleans.AddResonanceDashboard(builder.Configuration);
                // The co-hosted silo owns the event store (its SQLite file next to the grain state without PostgreSQL).
                orleans.AddResonanceEvents(builder.Configuration, Path.Combine(gateway.DataDirectory, "events.db"));
            });
        }
        else
        {
            builder.UseOrleansClient(client =>
            {
                client.UseResonanceCluster(builder.Configuration);
                if (dashboard) client.AddResonanceDashboard(builder.Configuration);
            });
        }

        builder.Services.AddSingleton<GatewayCounters>();
        builder.Services.AddSingleton<ServerStall>();
        builder.Services.AddSingleton<GatewayDrain>();
        builder.Services.AddSingleton(_ => new IdleMemoryReturn());
        builder.Services.AddSingleton<SpaceHubRegistry>();
        builder.Services.AddSingleton(_ => new RefusalHold(gateway.RefusalHold, gateway.MaxHeldRefusals));
        builder.Services.AddSingleton(sp => new AddressConnectionGate(gateway.EffectiveConnectionsPerAddress, sp.GetRequiredService<RefusalHold>(),
            sp.GetRequiredService<GatewayCounters>(), sp.GetRequiredService<ILogger<AddressConnectionGate>>()));
        builder.WebHost.ConfigureKestrel(k =>
        {
            ConnectionLimits.Apply(k.Limits, gateway);
            // Counted per address as connections are accepted, before any HTTP is read (a flood from one address).
            if (gateway.EffectiveConnectionsPerAddress > 0)
                k.ConfigureEndpointDefaults(listen => listen.Use(next => listen.ApplicationServices.GetRequiredService<AddressConnectionGate>().Wrap(next)));
        });
        // The stock socket transport with the per-address check at accept: a flood's refused sockets never become
        // Kestrel connections. Registered after Kestrel's own transport, so Kestrel asks it first for IP endpoints.
        if (gateway.EffectiveConnectionsPerAddress > 0)
            builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory, AddressGatedTransport>();
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>(o =>
            ConnectionLimits.Apply(o, gateway));
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            var cache = new SnapshotCache(o.SnapshotCacheBytes, o.SnapshotCacheTtl);
            sp.GetRequiredService<GatewayCounters>().ObserveCache(() => cache.Hits, () => cache.Misses);
            return cache;
        });
        // Events go to the cluster's event log grain (the silo side owns the store); the gateway keeps no connection.
        builder.Services.AddSingleton<EventAppender>();
        builder.Services.AddOpenApi();

        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions
        {
            KeepAliveInterval = gateway.KeepAliveInterval,
            KeepAliveTimeout = gateway.KeepAliveInterval * 2,
        });
        WebSocketEndpoint.Use(app);
        app.Use(async (context, next) =>
        {
            // Measured REST response time (the stats endpoint's averageResponseTime).
            if (!context.Request.Path.StartsWithSegments("/api") || context.WebSockets.IsWebSocketRequest)
            {
                await next();
                return;
            }
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            await next();
            context.RequestServices.GetRequiredService<GatewayCounters>().RestRequest(System.Diagnostics.Stopwatch.GetElapsedTime(start));
        });
        app.UseManagementGuard();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        if (!embedded && keys.FromDataDirectory)
            LogLocalKeys(app.Logger);
        app.MapOpenApi();
        app.MapResonanceMetrics();
        if (dashboard) app.MapOrleansDashboard("/dashboard");
        RestEndpoints.Map(app);
        LogEndpoints.Map(app);
        IdentityEndpoints.Map(app);
        MeEndpoints.Map(app);
        // Ready: the cluster answers a grain call, and the gateway is not draining.
        app.MapGet("/healthz", async (IGrainFactory grains, GatewayDrain drain, CancellationToken ct) =>
        {
            if (drain.Draining) return Results.Json(new { status = "draining", role = "gateway" }, statusCode: StatusCodes.Status503ServiceUnavailable);
            var tick = await grains.GetGrain<ISpaceGrain>(SpaceId.Default).GetLatestTick().WaitAsync(TimeSpan.FromSeconds(5), ct);
            return Results.Ok(new { status = "ok", role = "gateway", mode = embedded ? "embedded" : "client", space = tick.Space, seq = tick.Seq });
        });
        // Alive: the process serves HTTP (no dependency is asked, so an outage elsewhere never restarts it).
        app.MapGet("/livez", () => Results.Ok(new { status = "alive", role = "gateway" }));
        var drain = app.Services.GetRequiredService<GatewayDrain>();
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            // Token callbacks run newest first: the sessions' own (close with 1012) have run by now; a session that
            // opens after this still drains at once, since it registers on a cancelled token.
            drain.Begin();
            if (!drain.WaitForSessions())
                app.Logger.LogWarning("Drain timeout: {Open} sessions still open after {Timeout}", app.Services.GetRequiredService<GatewayCounters>().Connected, gateway.DrainTimeout);
            app.Services.GetRequiredService<SpaceHubRegistry>().DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        });
        return app;
    }
}
