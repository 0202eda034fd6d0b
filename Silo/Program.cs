using Orleans.Dashboard;
using Resonance.Grains;
using Resonance.Grains.Hosting;
using Resonance.Grains.Events;

// A silo. With Resonance__Cluster__Redis and Resonance__Storage__Postgres set it joins the production cluster (Redis
// membership and reminders, grain state in PostgreSQL); without them it runs alone with localhost clustering and
// in-memory state.
var builder = WebApplication.CreateBuilder(args);
// The Orleans Dashboard costs CPU even when nobody looks (ResonanceDashboard), so it is off unless enabled.
bool dashboard = ResonanceDashboard.IsEnabled(builder.Configuration);
builder.AddResonanceObservability("resonance-silo");

builder.UseOrleans(orleans =>
{
    orleans.UseResonanceCluster(builder.Configuration);
    orleans.AddResonanceGrains();
    if (dashboard) orleans.AddResonanceDashboard(builder.Configuration);
    // The event store, its writer, rollups and maintenance: PostgreSQL (or, without it, a local events file).
    orleans.AddResonanceEvents(builder.Configuration, Path.Combine("data", "events.db"));
});

var app = builder.Build();
app.UseManagementGuard();
app.MapResonanceMetrics();
if (dashboard) app.MapOrleansDashboard("/dashboard");
app.MapGet("/healthz", async (IGrainFactory grains, CancellationToken ct) =>
{
    // The silo is healthy when it can activate and call a grain.
    var tick = await grains.GetGrain<ISpaceGrain>(SpaceId.Default).GetLatestTick().WaitAsync(TimeSpan.FromSeconds(5), ct);
    return Results.Ok(new { status = "ok", role = "silo", space = tick.Space, seq = tick.Seq });
});
// Alive: the process serves HTTP (no dependency is asked, so an outage elsewhere never restarts it).
app.MapGet("/livez", () => Results.Ok(new { status = "alive", role = "silo" }));
// SIGTERM stops the host, and with it the silo: it leaves the cluster (membership marks it dead at once, its grains
// deactivate and their state is written) instead of being declared dead by probes later.
app.Run();
