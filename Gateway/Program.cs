using Resonance.Grains;
using Resonance.Grains.Hosting;

// The embedded default: the gateway co-hosts a silo (localhost clustering, in-memory state), so one command runs it all.
var builder = WebApplication.CreateBuilder(args);
var silo = builder.Configuration.GetSection(ResonanceSiloOptions.Section).Get<ResonanceSiloOptions>() ?? new();

builder.UseOrleans(orleans =>
{
    orleans.UseLocalhostClustering(silo.Port, silo.GatewayPort);
    orleans.AddResonanceGrains();
    orleans.AddResonanceMemoryStorage();
});

var app = builder.Build();
app.MapGet("/healthz", async (IGrainFactory grains, CancellationToken ct) =>
{
    var tick = await grains.GetGrain<ISpaceGrain>(SpaceId.Default).GetLatestTick().WaitAsync(TimeSpan.FromSeconds(5), ct);
    return Results.Ok(new { status = "ok", role = "gateway", mode = "embedded", space = tick.Space, seq = tick.Seq });
});
app.Run();
