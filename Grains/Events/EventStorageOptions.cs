namespace Resonance.Grains.Events;

/// <summary>Where events are stored, bound from <c>Resonance:Storage</c> (env: <c>Resonance__Storage__...</c>).</summary>
public sealed class EventStorageOptions
{
    public const string Section = "Resonance:Storage";

    /// <summary>Npgsql connection string; when empty the embedded default's SQLite file is used.</summary>
    public string? Postgres { get; set; }

    /// <summary>Events older than this many days are dropped (by daily partition on PostgreSQL).</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>Daily partitions kept created ahead of today (PostgreSQL without TimescaleDB).</summary>
    public int PartitionDaysAhead { get; set; } = 3;

    /// <summary>How often partitions are created ahead and expired events dropped.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromHours(1);

    public bool UsePostgres => !string.IsNullOrWhiteSpace(Postgres);
}
