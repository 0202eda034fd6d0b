using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resonance.Grains.Export;
using Resonance.Grains.Ledger;
using Resonance.Grains.Privacy;
using Resonance.Grains.Rollups;

namespace Resonance.Grains.Events;

public static class EventsSiloBuilderExtensions
{
    /// <summary>
    /// The event storage layer, all on the silo side: the store (PostgreSQL when <c>Resonance:Storage:Postgres</c> is set,
    /// else the SQLite file at <paramref name="sqlitePath"/>), its schema applied before the silo becomes active, the
    /// group-commit writer behind <see cref="IEventLogGrain"/>, rollups and maintenance on reminders. The host must add a
    /// reminder service.
    /// </summary>
    public static ISiloBuilder AddResonanceEvents(this ISiloBuilder builder, IConfiguration configuration, string sqlitePath)
    {
        var storage = configuration.GetSection(EventStorageOptions.Section).Get<EventStorageOptions>() ?? new();
        builder.Services.AddOptions<EventStorageOptions>().BindConfiguration(EventStorageOptions.Section);
        // Encryption at rest: the master key ring from Resonance:Privacy (else a key generated next to the databases), the
        // data keys in this database, shared by event payloads and memory content.
        var privacy = configuration.GetSection(PrivacyOptions.Section).Get<PrivacyOptions>() ?? new();
        string keyFile = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(sqlitePath)) ?? ".", "master-keys.json");
        builder.Services.AddSingleton(_ => MasterKeyRing.FromOptions(privacy, keyFile));
        builder.Services.AddSingleton(sp =>
        {
            Func<ISubjectKeyStore, SubjectKeys> keys = store =>
                new SubjectKeys(store, sp.GetRequiredService<MasterKeyRing>(), privacy, sp.GetRequiredService<ILogger<SubjectKeys>>());
            var logger = sp.GetRequiredService<ILogger<EventStore>>();
            return storage.UsePostgres
                ? EventStore.Postgres(storage.Postgres!, storage.PartitionDaysAhead, keys, logger)
                : EventStore.Sqlite(sqlitePath, keys, logger);
        });
        builder.Services.AddSingleton(sp => sp.GetRequiredService<EventStore>().Keys);
        builder.Services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<EventStore>());
        // The tamper-evident log: leaves are appended by the store's commits; the space log grains sign checkpoints with
        // the configured key (else one generated next to the databases, like the master key).
        var ledger = configuration.GetSection(LedgerOptions.Section).Get<LedgerOptions>() ?? new();
        string signingFile = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(sqlitePath)) ?? ".", "log-signing-key.pem");
        builder.Services.AddSingleton(_ => CheckpointSigner.FromOptions(ledger, signingFile));
        builder.Services.AddSingleton<ILedgerStore>(sp => sp.GetRequiredService<EventStore>());
        // The Redis stream export (off unless Resonance:Export:RedisStream is set).
        var export = configuration.GetSection(EventExportOptions.Section).Get<EventExportOptions>() ?? new();
        builder.Services.AddOptions<EventExportOptions>().BindConfiguration(EventExportOptions.Section);
        builder.Services.AddSingleton(sp => new RedisStreamConnection(export, sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton<ExportNotifier>();
        // The rollup grains read events and own event_rollups through the same store.
        builder.Services.AddSingleton<IRollupStore>(sp => sp.GetRequiredService<EventStore>());
        builder.Services.AddOptions<RollupOptions>().BindConfiguration(RollupOptions.Section);
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, EventStoreLifecycle>();
        builder.Services.AddSingleton<RollupStarter>();
        builder.Services.AddSingleton<EventWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventWriter>());
        builder.AddStartupTask(async (sp, _) =>
        {
            try
            {
                await sp.GetRequiredService<IGrainFactory>().GetGrain<IEventMaintenanceGrain>(0).Start();
            }
            catch (Exception e)
            {
                // The next silo start (or the reminder, once registered) tries again; nothing depends on it yet.
                sp.GetRequiredService<ILogger<EventMaintenanceGrain>>().LogWarning(e, "Starting the event store maintenance failed");
            }
            var signer = sp.GetRequiredService<CheckpointSigner>();
            if (storage.UsePostgres && signer.FromFile)
                sp.GetRequiredService<ILogger<CheckpointSigner>>().LogWarning(
                    "Resonance:Log:SigningKey is not set: this silo signs log checkpoints with a key of its own data directory; give every silo the same key");
            if (export.Enabled)
            {
                try
                {
                    await sp.GetRequiredService<IGrainFactory>().GetGrain<IEventExportGrain>(0).Start();
                }
                catch (Exception e)
                {
                    // Commits poke it anyway; the export catches up once it runs.
                    sp.GetRequiredService<ILogger<EventExportGrain>>().LogWarning(e, "Starting the Redis stream export failed");
                }
            }
        });
        return builder;
    }

    /// <summary>Applies the event store's schema before grains activate, so the first append and the maintenance find it.</summary>
    private sealed class EventStoreLifecycle(IEventStore store) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(IEventStore), ServiceLifecycleStage.ApplicationServices, store.InitializeAsync);
    }
}
