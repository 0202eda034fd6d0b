using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using Resonance.Grains.Privacy;

namespace Resonance.Grains.Hosting.Storage;

/// <summary>
/// Orders the grain-state database work around the ADO.NET provider's own start (stage
/// <see cref="ServiceLifecycleStage.ApplicationServices"/>): the schema and statements before it, since the provider reads
/// them there; the move of earlier data after it (it writes through the provider) and before the silo becomes active, so
/// no grain activates on state that is still in the old table.
/// </summary>
internal sealed class GrainStateLifecycle(StorageDialect dialect, DbDataSource source, IServiceProvider services) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
    {
        lifecycle.Subscribe(nameof(GrainStateSchema), ServiceLifecycleStage.RuntimeStorageServices,
            ct => ActivatorUtilities.CreateInstance<GrainStateSchema>(services, dialect, source).ApplyAsync(ct));
        lifecycle.Subscribe(nameof(LegacyGrainStateMigration), ServiceLifecycleStage.ApplicationServices + 1, async ct =>
        {
            var migration = new LegacyGrainStateMigration(
                dialect,
                source,
                services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
                services.GetRequiredKeyedService<IGrainStorage>(ResonanceStorage.Name),
                ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(services),
                services.GetRequiredService<ILogger<LegacyGrainStateMigration>>());
            await migration.RunAsync(ct);
        });
        // After the event store's start (ApplicationServices: its data keys are ready) and the move above. A host
        // without the Resonance grains (no data keys) has no memory nodes to seal.
        lifecycle.Subscribe(nameof(MemoryContentMigration), ServiceLifecycleStage.ApplicationServices + 2, ct =>
            services.GetService<SubjectKeys>() is null ? Task.CompletedTask : new MemoryContentMigration(
                dialect,
                source,
                services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
                services.GetRequiredKeyedService<IGrainStorage>(ResonanceStorage.Name),
                ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(services),
                services.GetRequiredService<IGrainFactory>(),
                services.GetRequiredService<SubjectKeys>(),
                services.GetRequiredService<ILogger<MemoryContentMigration>>()).RunAsync(ct));
    }
}
