using Microsoft.Extensions.DependencyInjection;
using Resonance.Grains.Routing;
using Resonance.Grains.Spaces;

namespace Resonance.Grains.Hosting;

public static class ResonanceSiloBuilderExtensions
{
    /// <summary>
    /// Adds the Resonance grains' services to a silo: options from <c>Resonance:Field</c>, the per-silo cell change router
    /// and space directory. Grain storage named <see cref="ResonanceStorage.Name"/> must be added by the host
    /// (<see cref="AddResonanceMemoryStorage"/> for in-memory).
    /// </summary>
    public static ISiloBuilder AddResonanceGrains(this ISiloBuilder builder, Action<ResonanceFieldOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<ResonanceFieldOptions>().BindConfiguration(ResonanceFieldOptions.Section);
        if (configure is not null) options.Configure(configure);
        options.Validate(o => Valid(o.Entanglement), "Resonance:Field:Entanglement is invalid (window, ratios n:m, 0 < break <= form <= 1, fresh samples <= window).")
            .ValidateOnStart();
        builder.Services.AddSingleton<CellChangeRouter>();
        builder.Services.AddSingleton<SpaceDirectory>();
        return builder;
    }

    private static bool Valid(Entanglement.EntanglementSettings settings)
    {
        try
        {
            settings.Compile();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Keeps grain state in the silo's memory (lost when the silo stops).</summary>
    public static ISiloBuilder AddResonanceMemoryStorage(this ISiloBuilder builder) =>
        builder.AddMemoryGrainStorage(ResonanceStorage.Name);
}
