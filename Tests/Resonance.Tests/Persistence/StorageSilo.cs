using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Storage;
using Resonance.Grains;
using Resonance.Grains.Hosting;
using Resonance.Grains.Hosting.Storage;
using Resonance.Tests.Gateway;
using Resonance.Tests.Services;

namespace Resonance.Tests.Persistence;

/// <summary>
/// A real silo whose grain storage is the project's ADO.NET setup on a fresh PostgreSQL database or SQLite file, for
/// tests that call the provider directly (it is the instance the silo's grains use).
/// </summary>
public sealed class StorageSilo : IAsyncDisposable
{
    public const string ServiceId = "storage-tests";

    private readonly IHost _host;

    public StorageDialect Dialect { get; }
    public string ConnectionString { get; }
    public IGrainStorage Storage => _host.Services.GetRequiredKeyedService<IGrainStorage>(ResonanceStorage.Name);

    private StorageSilo(IHost host, StorageDialect dialect, string connectionString)
    {
        _host = host;
        Dialect = dialect;
        ConnectionString = connectionString;
    }

    public static async Task<(StorageDialect, string)> FreshDatabaseAsync(string dialect) => dialect == "postgres"
        ? (StorageDialect.Postgres, await TestServices.CreateDatabaseAsync("grains"))
        : (StorageDialect.Sqlite, $"Data Source={Path.Combine(Directory.CreateTempSubdirectory("grains-").FullName, "g.db")}");

    public static async Task<StorageSilo> StartAsync((StorageDialect Dialect, string ConnectionString) db)
    {
        for (int attempt = 1; ; attempt++)
        {
            var host = Host.CreateDefaultBuilder()
                .UseOrleans(silo => silo
                    .UseLocalhostClustering(GatewayHost.FreePort(), GatewayHost.FreePort(), serviceId: ServiceId, clusterId: $"c{Guid.NewGuid():N}")
                    .AddResonanceRelationalStorage(db.Dialect, db.ConnectionString))
                .Build();
            try
            {
                await host.StartAsync();
                return new StorageSilo(host, db.Dialect, db.ConnectionString);
            }
            catch (Exception) when (attempt < 3)
            {
                // A probed-free port was taken in between by a test running in parallel: new ports.
                host.Dispose();
            }
        }
    }

    /// <summary>A scalar from the silo's database (tests look at the rows behind the provider).</summary>
    public async Task<long> CountAsync(string sql)
    {
        await using var source = GrainStateSchema.OpenDataSource(Dialect, ConnectionString);
        await using DbCommand command = source.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
