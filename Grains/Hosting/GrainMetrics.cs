using System.Diagnostics.Metrics;

namespace Resonance.Grains.Hosting;

/// <summary>
/// The silo's own metrics (meter <c>Resonance.Grains</c>), exported at <c>/metrics</c> in Prometheus form as
/// <c>resonance_space_tick_duration_seconds</c>, <c>resonance_field_updates_total</c>, <c>resonance_lock_changes_total</c> and <c>resonance_grain_activations</c>.
/// </summary>
public static class GrainMetrics
{
    public const string MeterName = "Resonance.Grains";
    private static readonly Meter Meter = new(MeterName);

    public static readonly Histogram<double> TickDuration = Meter.CreateHistogram<double>(
        "resonance_space_tick_duration", unit: "s", description: "Time a space grain spends building and publishing one tick.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });

    public static readonly Counter<long> FieldUpdates = Meter.CreateCounter<long>(
        "resonance_field_updates", description: "Node changes applied to cell tiles.");

    public static readonly Counter<long> LockChanges = Meter.CreateCounter<long>(
        "resonance_lock_changes", description: "Phase-lock changes (a pair forming or breaking) that cells sent to node grains.");

    public static readonly UpDownCounter<long> Activations = Meter.CreateUpDownCounter<long>(
        "resonance_grain_activations", description: "Active grains of this silo by type.");

    public static void Activated(string type) => Activations.Add(1, new KeyValuePair<string, object?>("type", type));

    public static void Deactivated(string type) => Activations.Add(-1, new KeyValuePair<string, object?>("type", type));
}
