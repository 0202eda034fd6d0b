namespace Resonance.Grains.Hosting;

/// <summary>Where a silo listens, bound from <c>Resonance:Silo</c> (env: <c>Resonance__Silo__Port</c>, ...).</summary>
public sealed class ResonanceSiloOptions
{
    public const string Section = "Resonance:Silo";

    /// <summary>Silo-to-silo port.</summary>
    public int Port { get; set; } = 11111;

    /// <summary>Port Orleans clients (gateways) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at (a pod IP in Kubernetes); loopback by default.</summary>
    public string AdvertisedIp { get; set; } = "127.0.0.1";
}

/// <summary>Cluster membership, bound from <c>Resonance:Cluster</c> (env: <c>Resonance__Cluster__Redis</c>, ...).</summary>
public sealed class ResonanceClusterOptions
{
    public const string Section = "Resonance:Cluster";

    /// <summary>Redis connection (StackExchange.Redis syntax, e.g. <c>127.0.0.1:6379</c>); empty = localhost clustering.</summary>
    public string? Redis { get; set; }

    public string ClusterId { get; set; } = "resonance";

    public string ServiceId { get; set; } = "resonance";
}

/// <summary>Persistence, bound from <c>Resonance:Storage</c> (env: <c>Resonance__Storage__Postgres</c>, ...).</summary>
public sealed class ResonanceStorageOptions
{
    public const string Section = "Resonance:Storage";

    /// <summary>Npgsql connection string; when set, grain state and events live in PostgreSQL.</summary>
    public string? Postgres { get; set; }

    /// <summary>SQLite file for grain state when there is no PostgreSQL (the embedded default sets it); empty = in memory.</summary>
    public string? Sqlite { get; set; }
}
