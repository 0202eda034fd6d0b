using Microsoft.Extensions.DependencyInjection;

namespace Resonance.Grains.Rollups;

public static class RollupSiloBuilderExtensions
{
    /// <summary>
    /// Gives the silo's rollup grains their access to the event store: PostgreSQL when <paramref name="postgres"/> is set
    /// (the same <c>Resonance:Storage:Postgres</c> the gateways write to), otherwise the SQLite file at
    /// <paramref name="sqlitePath"/>. The host must also add a reminder service (e.g. <c>UseInMemoryReminderService</c>).
    /// </summary>
    public static ISiloBuilder AddResonanceRollups(this ISiloBuilder builder, string? postgres, string sqlitePath)
    {
        builder.Services.AddOptions<RollupOptions>().BindConfiguration(RollupOptions.Section);
        if (!string.IsNullOrWhiteSpace(postgres))
            builder.Services.AddSingleton<IRollupStore>(_ => new PostgresRollupStore(postgres));
        else
            builder.Services.AddSingleton<IRollupStore>(_ => new SqliteRollupStore(sqlitePath));
        return builder;
    }
}
