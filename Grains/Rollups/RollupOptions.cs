namespace Resonance.Grains.Rollups;

/// <summary>Rollup timing, bound from <c>Resonance:Rollups</c> (env: <c>Resonance__Rollups__...</c>).</summary>
public sealed class RollupOptions
{
    public const string Section = "Resonance:Rollups";

    /// <summary>Reminder period (Orleans reminders fire at most once a minute by default).</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Delay of the first reminder tick after the grain starts.</summary>
    public TimeSpan FirstDue { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A minute is first rolled up this long after it ended (events are stamped on receipt and committed shortly after).
    /// Events that commit later still update their minute: every commit marks its minutes, and each tick recomputes the
    /// marked ones.
    /// </summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>At most this many minutes are rolled up per tick (a long backlog is caught up over several ticks).</summary>
    public int MaxMinutesPerRun { get; set; } = 24 * 60;

    /// <summary>
    /// At most this many minute marks (one per committed batch and minute) are read per tick; the rest wait for the next.
    /// </summary>
    public int MaxMarksPerRun { get; set; } = 20_000;
}
