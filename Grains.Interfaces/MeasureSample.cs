namespace Resonance.Grains;

/// <summary>
/// One second of a space's global measures: the mean of the ticks within that second (the history the forecaster learns
/// from; see Grains/Forecasting).
/// </summary>
[GenerateSerializer, Immutable, Alias("resonance.measure-sample")]
public readonly record struct MeasureSample(
    [property: Id(0)] long UnixSecond,
    [property: Id(1)] double GlobalResonance,
    [property: Id(2)] double QuantumCoherence,
    [property: Id(3)] double ActiveNodes);
