namespace Resonance.Grains.Hosting;

/// <summary>Where a silo listens, bound from <c>Resonance:Silo</c> (env: <c>Resonance__Silo__Port</c>, ...).</summary>
public sealed class ResonanceSiloOptions
{
    public const string Section = "Resonance:Silo";

    /// <summary>Silo-to-silo port.</summary>
    public int Port { get; set; } = 11111;

    /// <summary>Port Orleans clients (gateways) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;
}
