using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Resonance.Grains.Hosting.Storage;
using Resonance.Grains.Privacy;
using Resonance.Grains.Routing;
using Resonance.Grains.Spaces;

namespace Resonance.Grains.Hosting;

public static class ResonanceSiloBuilderExtensions
{
    /// <summary>Grain locations a silo caches (Orleans' default is 1,000,000).</summary>
    public const int DirectoryCacheSize = 100_000;

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
        builder.Services.AddOptions<Forecasting.ForecastOptions>().BindConfiguration(Forecasting.ForecastOptions.Section)
            .Validate(o => o.Problem() is null, "Resonance:Forecast is invalid (see ForecastOptions.Problem).").ValidateOnStart();
        // Orleans sizes the grain directory's cache for a million entries up front (two 9 MB arrays, resident once a
        // compaction copies them); a silo here holds tens of thousands of activations. A host may configure it again.
        builder.Services.Configure<Orleans.Configuration.GrainDirectoryOptions>(o => o.CacheSize = DirectoryCacheSize);
        builder.Services.AddSingleton<GrainReferences>();
        builder.Services.AddSingleton<CellChangeRouter>();
        builder.Services.AddSingleton<SpaceDirectory>();
        // A grain call or activation that failed in the PostgreSQL driver reaches a remote caller with the driver's
        // exception type and message (a client without Npgsql gets Orleans' fallback exception carrying both) instead
        // of a CodecNotFoundException that hides the cause. Microsoft.Data.Sqlite's are covered by the default prefixes.
        builder.Services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));
        // Data keys for memory content; the event store replaces these with its database's (AddResonanceEvents).
        builder.Services.TryAddSingleton(sp => new SubjectKeys(MemorySubjectKeyStore.Shared, MasterKeyRing.Ephemeral, new PrivacyOptions(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SubjectKeys>>()));
        return builder;
    }

    /// <summary>
    /// Keeps grain state in PostgreSQL or SQLite through Orleans' ADO.NET provider (Microsoft.Orleans.Persistence.AdoNet)
    /// with this project's own schema and statements (<see cref="GrainStateSql"/>, installed at silo start), serialised
    /// with the Orleans binary serializer. Clearing state deletes its row. State of the earlier layout moves over once
    /// (<see cref="LegacyGrainStateMigration"/>).
    /// </summary>
    public static ISiloBuilder AddResonanceRelationalStorage(this ISiloBuilder builder, StorageDialect dialect, string connectionString)
    {
        var source = GrainStateSchema.OpenDataSource(dialect, connectionString);
        builder.AddAdoNetGrainStorage(ResonanceStorage.Name, o =>
        {
            // The provider names SQLite "System.Data.SQLite" and serves it with Microsoft.Data.Sqlite's factory.
            o.Invariant = dialect == StorageDialect.Postgres ? "Npgsql" : "System.Data.SQLite";
            o.DataSource = source;
            o.DeleteStateOnClear = true;
        });
        // The provider's default serializer is JSON; binary keeps the payloads the earlier layout wrote readable as-is.
        builder.Services.AddOptions<AdoNetGrainStorageOptions>(ResonanceStorage.Name)
            .Configure<IServiceProvider>((o, sp) => o.GrainStorageSerializer = ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(sp));
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => new GrainStateLifecycle(dialect, source, sp));
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
