using Resonance.Grains.Hosting;

namespace Resonance.Tests.Cluster;

/// <summary>Silo settings Orleans would fail on later are refused at start with a message that names the setting.</summary>
public sealed class SiloOptionsValidationTests
{
    [Theory]
    [InlineData(0, 30000, "127.0.0.1", "Resonance:Silo:Port")]
    [InlineData(70000, 30000, "127.0.0.1", "Resonance:Silo:Port")]
    [InlineData(11111, -1, "127.0.0.1", "Resonance:Silo:GatewayPort")]
    [InlineData(11111, 11111, "127.0.0.1", "Resonance:Silo:GatewayPort")]
    [InlineData(11111, 30000, "pod-ip", "Resonance:Silo:AdvertisedIp")]
    public void Bad_settings_are_refused_naming_the_setting(int port, int gatewayPort, string ip, string named)
    {
        var options = new ResonanceSiloOptions { Port = port, GatewayPort = gatewayPort, AdvertisedIp = ip };
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains(named, e.Message);
    }

    [Theory]
    [InlineData(11111, 30000)]
    [InlineData(40001, 0)] // no gateway for external clients
    public void Good_settings_pass(int port, int gatewayPort) =>
        new ResonanceSiloOptions { Port = port, GatewayPort = gatewayPort, AdvertisedIp = "10.0.0.7" }.Validate();
}
