using System.Globalization;

namespace Resonance.Grains.Events;

/// <summary>
/// Naming of the daily partitions of <c>consciousness_events</c>: <c>consciousness_events_pYYYYMMDD</c> holds the UTC day
/// [day 00:00, next day 00:00). Maintenance recognises (and may drop) only tables named this way.
/// </summary>
public static class EventPartitions
{
    public const string Parent = "consciousness_events";
    private const string Prefix = Parent + "_p";

    public static string Name(DateOnly day) => Prefix + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static bool TryParse(string name, out DateOnly day)
    {
        day = default;
        return name.StartsWith(Prefix, StringComparison.Ordinal) && name.Length == Prefix.Length + 8
            && DateOnly.TryParseExact(name.AsSpan(Prefix.Length), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
    }

    public static DateOnly DayOf(DateTime utc) => DateOnly.FromDateTime(utc);

    public static DateTime Start(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    /// <summary>A day's partition holds only expired events once its end is at or before the cutoff.</summary>
    public static bool IsExpired(DateOnly day, DateTime cutoffUtc) => Start(day.AddDays(1)) <= cutoffUtc;

    /// <summary>The DDL creating a day's partition (idempotent); bounds are absolute UTC instants.</summary>
    public static string CreateSql(DateOnly day) => string.Create(CultureInfo.InvariantCulture,
        $"CREATE TABLE IF NOT EXISTS {Name(day)} PARTITION OF {Parent} FOR VALUES FROM ('{Start(day):yyyy-MM-dd} 00:00:00+00') TO ('{Start(day.AddDays(1)):yyyy-MM-dd} 00:00:00+00')");
}
