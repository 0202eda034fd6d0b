using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Resonance.Grains.Hosting.Storage;
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

    /// <summary>
    /// Keeps grain state in PostgreSQL or SQLite (<see cref="RelationalGrainStorage"/>, this project's own schema, applied on
    /// first use), serialised with the Orleans binary serializer.
    /// </summary>
    public static ISiloBuilder AddResonanceRelationalStorage(this ISiloBuilder builder, StorageDialect dialect, string connectionString)
    {
        builder.Services.AddGrainStorage(ResonanceStorage.Name, (sp, name) => new RelationalGrainStorage(
            name,
            dialect,
            connectionString,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(sp),
            sp.GetRequiredService<ILogger<RelationalGrainStorage>>()));
        return builder;
    }

    /// <summary>SQLite grain storage in one file (the embedded default keeps its memory nodes across restarts).</summary>
    public static ISiloBuilder AddResonanceSqliteStorage(this ISiloBuilder builder, string path) =>
        builder.AddResonanceRelationalStorage(StorageDialect.Sqlite, $"Data Source={path};Pooling=True");


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
