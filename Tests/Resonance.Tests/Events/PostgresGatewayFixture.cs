using Resonance.Tests.Gateway;
using Resonance.Tests.Services;

namespace Resonance.Tests.Events;

/// <summary>One in-process gateway storing events in its own fresh PostgreSQL database, shared by a test class.</summary>
public sealed class PostgresGatewayFixture : IAsyncLifetime
{
    public GatewayHost Host { get; private set; } = null!;
    public string Database { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Database = await TestServices.CreateDatabaseAsync("ev_gw");
        Host = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Resonance:Storage:Postgres"] = Database,
            ["Resonance:Gateway:MaxMessagesPerSecond"] = "100000",
            ["Resonance:Rollups:FirstDue"] = "00:00:01",
        });
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
