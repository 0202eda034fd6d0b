namespace Resonance.Grains.Export;

/// <summary>The Redis event stream export, bound from <c>Resonance:Export</c> (env: <c>Resonance__Export__RedisStream</c>, ...).</summary>
public sealed class EventExportOptions
{
    public const string Section = "Resonance:Export";

    /// <summary>The stream key (e.g. <c>consciousness:stream</c>); empty = no export.</summary>
    public string? RedisStream { get; set; }

    /// <summary>Redis connection (StackExchange.Redis syntax); empty = the cluster's (<c>Resonance:Cluster:Redis</c>).</summary>
    public string? Redis { get; set; }

    /// <summary>Approximate length the stream is trimmed to (<c>XADD ... MAXLEN ~ n</c>); 0 = never trimmed.</summary>
    public long MaxLength { get; set; } = 1_000_000;

    /// <summary>Entries read from the log and sent to Redis per round trip.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>How often the exporter looks for events even without a poke (and retries after Redis failed).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public bool Enabled => !string.IsNullOrWhiteSpace(RedisStream);
}
