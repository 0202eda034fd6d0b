using Microsoft.Extensions.Configuration;
using Resonance.Grains.Hosting;
using StackExchange.Redis;

namespace Resonance.Grains.Export;

/// <summary>
/// The export's Redis connection, opened on first use and kept (the multiplexer reconnects by itself). Connecting never
/// fails the silo: while Redis is unreachable the exporter's calls fail and it tries again later.
/// </summary>
public sealed class RedisStreamConnection(EventExportOptions options, IConfiguration configuration) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ConnectionMultiplexer? _redis;

    public string Configuration => string.IsNullOrWhiteSpace(options.Redis)
        ? configuration[$"{ResonanceClusterOptions.Section}:Redis"] ?? ""
        : options.Redis;

    public async Task<IDatabase> GetAsync()
    {
        if (_redis is { } open) return open.GetDatabase();
        await _gate.WaitAsync();
        try
        {
            if (_redis is null)
            {
                if (string.IsNullOrWhiteSpace(Configuration))
                    throw new InvalidOperationException("Resonance:Export:RedisStream is set but no Redis is: set Resonance:Export:Redis or Resonance:Cluster:Redis.");
                var config = ConfigurationOptions.Parse(Configuration);
                config.AbortOnConnectFail = false;
                _redis = await ConnectionMultiplexer.ConnectAsync(config);
            }
            return _redis.GetDatabase();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is { } redis) await redis.DisposeAsync();
    }
}
