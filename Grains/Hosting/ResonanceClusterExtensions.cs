using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Resonance.Grains.Hosting.Storage;
using StackExchange.Redis;

namespace Resonance.Grains.Hosting;

/// <summary>
/// Cluster, storage and reminders from configuration, shared by the Silo host and the gateway's embedded silo:
/// Redis membership and reminders when <c>Resonance:Cluster:Redis</c> is set (else localhost clustering and in-memory
/// reminders); grain state in PostgreSQL when <c>Resonance:Storage:Postgres</c> is set, else in SQLite when
/// <c>Resonance:Storage:Sqlite</c> is set, else in memory.
/// </summary>
public static class ResonanceClusterExtensions
{
    public static ISiloBuilder UseResonanceCluster(this ISiloBuilder builder, IConfiguration configuration)
    {
        var silo = configuration.GetSection(ResonanceSiloOptions.Section).Get<ResonanceSiloOptions>() ?? new();
        silo.Validate();
        var cluster = configuration.GetSection(ResonanceClusterOptions.Section).Get<ResonanceClusterOptions>() ?? new();
        var storage = configuration.GetSection(ResonanceStorageOptions.Section).Get<ResonanceStorageOptions>() ?? new();

        if (!string.IsNullOrWhiteSpace(cluster.Redis))
        {
            var redis = cluster.Redis;
            builder.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            builder.ConfigureEndpoints(IPAddress.Parse(silo.AdvertisedIp), silo.Port, silo.GatewayPort, listenOnAnyHostAddress: true);
            builder.UseRedisClustering(o => o.ConfigurationOptions = Redis(redis));
            builder.UseRedisReminderService(o => o.ConfigurationOptions = Redis(redis));
            // Failure detection can be tuned (e.g. Resonance:Cluster:Membership:ProbeTimeout, NumMissedProbesLimit).
            builder.Configure<ClusterMembershipOptions>(configuration.GetSection($"{ResonanceClusterOptions.Section}:Membership"));
        }
        else
        {
            builder.UseLocalhostClustering(silo.Port, silo.GatewayPort);
            builder.UseInMemoryReminderService();
        }

        // Silo-to-silo and client-to-silo TLS when a certificate is configured (the production shape).
        var tls = configuration.GetSection(ResonanceTlsOptions.Section).Get<ResonanceTlsOptions>() ?? new();
        if (tls.Enabled) builder.UseTls(tls.Configure);

        if (!string.IsNullOrWhiteSpace(storage.Postgres))
            builder.AddResonanceRelationalStorage(StorageDialect.Postgres, storage.Postgres);
        else if (!string.IsNullOrWhiteSpace(storage.Sqlite))
            builder.AddResonanceSqliteStorage(storage.Sqlite);
        else
            builder.AddResonanceMemoryStorage();
        return builder;
    }

    /// <summary>An Orleans client (the gateway in client mode) joining the cluster the same configuration describes.</summary>
    public static IClientBuilder UseResonanceCluster(this IClientBuilder builder, IConfiguration configuration)
    {
        var silo = configuration.GetSection(ResonanceSiloOptions.Section).Get<ResonanceSiloOptions>() ?? new();
        var cluster = configuration.GetSection(ResonanceClusterOptions.Section).Get<ResonanceClusterOptions>() ?? new();
        if (!string.IsNullOrWhiteSpace(cluster.Redis))
        {
            var redis = cluster.Redis;
            builder.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            builder.UseRedisClustering(o => o.ConfigurationOptions = Redis(redis));
        }
        else
        {
            builder.UseLocalhostClustering(silo.GatewayPort);
        }
        var tls = configuration.GetSection(ResonanceTlsOptions.Section).Get<ResonanceTlsOptions>() ?? new();
        if (tls.Enabled) builder.UseTls(tls.Configure);
        // Keep trying while the silos start (or restart) instead of failing the client's start-up.
        builder.UseConnectionRetryFilter(async (_, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            return true;
        });
        return builder;
    }

    private static ConfigurationOptions Redis(string connection)
    {
        var options = ConfigurationOptions.Parse(connection);
        options.AbortOnConnectFail = false; // Redis may come up after the silo
        return options;
    }
}
