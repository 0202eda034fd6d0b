using Resonance.Grains;
using Resonance.Grains.Hosting;

// A standalone silo: localhost clustering, in-memory grain state (PostgreSQL and Redis come with the production profile).
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
    // The silo is healthy when it can activate and call a grain.
    var tick = await grains.GetGrain<ISpaceGrain>(SpaceId.Default).GetLatestTick().WaitAsync(TimeSpan.FromSeconds(5), ct);
    return Results.Ok(new { status = "ok", role = "silo", space = tick.Space, seq = tick.Seq });
});
app.Run();
