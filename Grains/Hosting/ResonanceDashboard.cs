using Microsoft.Extensions.Configuration;
using Orleans.Dashboard;

namespace Resonance.Grains.Hosting;

/// <summary>
/// The Orleans Dashboard, off unless <c>Resonance:Dashboard:Enabled</c> is true. It is not free when nobody looks: it
/// exports every Orleans instrument into its own history once a second, polls the silo's runtime statistics once a
/// <c>CounterUpdateIntervalMs</c>, and (while a browser has it open) profiles every grain call. Its options
/// (<c>CounterUpdateIntervalMs</c>, <c>HistoryLength</c>, <c>HideTrace</c>) bind from the same section.
/// </summary>
public static class ResonanceDashboard
{
    public const string Section = "Resonance:Dashboard";

    public static bool IsEnabled(IConfiguration configuration) => configuration.GetValue($"{Section}:Enabled", false);

    public static ISiloBuilder AddResonanceDashboard(this ISiloBuilder builder, IConfiguration configuration) =>
        builder.AddDashboard(o => configuration.GetSection(Section).Bind(o));

    public static IClientBuilder AddResonanceDashboard(this IClientBuilder builder, IConfiguration configuration) =>
        builder.AddDashboard(o => configuration.GetSection(Section).Bind(o));
}
