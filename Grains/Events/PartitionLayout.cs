namespace Resonance.Grains.Events;

/// <summary>How <c>consciousness_events</c> is split by time on PostgreSQL.</summary>
public enum PartitionLayout
{
    /// <summary>Native declarative range partitions, one per UTC day, created ahead by the gateway.</summary>
    Daily,

    /// <summary>A TimescaleDB hypertable with one-day chunks (chosen when the extension is available).</summary>
    Hypertable,
}
