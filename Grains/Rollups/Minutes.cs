namespace Resonance.Grains.Rollups;

/// <summary>Whole UTC minutes.</summary>
public static class Minutes
{
    public static DateTime Floor(DateTime utc) =>
        new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
}
