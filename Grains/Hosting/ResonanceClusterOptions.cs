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

    /// <summary>
    /// Refuses settings Orleans would fail on later with a message that names none of ours (a silo port of 0 ends the
    /// host with "No listening port specified"). A gateway port of 0 is allowed: the silo then takes no external clients.
    /// </summary>
    public void Validate()
    {
        if (Port is < 1 or > 65535)
            throw new ArgumentException($"{Section}:Port must be a fixed port in [1, 65535], got {Port} (Orleans cannot pick one itself).");
        if (GatewayPort is < 0 or > 65535)
            throw new ArgumentException($"{Section}:GatewayPort must be in [0, 65535] (0: no gateway for external clients), got {GatewayPort}.");
        if (GatewayPort == Port)
            throw new ArgumentException($"{Section}:GatewayPort must differ from {Section}:Port ({Port}).");
        if (!System.Net.IPAddress.TryParse(AdvertisedIp, out _))
            throw new ArgumentException($"{Section}:AdvertisedIp must be an IP address, got '{AdvertisedIp}'.");
    }
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
