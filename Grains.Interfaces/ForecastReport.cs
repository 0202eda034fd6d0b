namespace Resonance.Grains;

/// <summary>The answer of <see cref="IForecastGrain.Forecast"/> (the body of <c>GET /api/spaces/{id}/forecast</c>).</summary>
[GenerateSerializer, Immutable, Alias("resonance.forecast-report")]
public sealed record ForecastReport
{
    [Id(0)] public string Space { get; init; } = "";
    /// <summary><c>ok</c>, or <c>insufficient_history</c> while the space has too little history to train and evaluate on.</summary>
    [Id(1)] public string Status { get; init; } = "";
    [Id(2)] public int Horizon { get; init; }
    /// <summary>The longest lead time the model was trained and evaluated for (points stop there when it is below <see cref="Horizon"/>).</summary>
    [Id(3)] public int HorizonCovered { get; init; }
    [Id(4)] public DateTime GeneratedUtc { get; init; }
    /// <summary>Time of the last history sample the forecast starts from (point k is k seconds after it).</summary>
    [Id(5)] public DateTime? OriginUtc { get; init; }
    [Id(6)] public DateTime? TrainedUtc { get; init; }
    /// <summary>Seconds of history the model was trained and evaluated on (train + held out).</summary>
    [Id(7)] public int HistorySamples { get; init; }
    [Id(8)] public int MinHistorySamples { get; init; }
    [Id(9)] public int TrainingRows { get; init; }
    [Id(10)] public double TrainingMilliseconds { get; init; }
    /// <summary>Nominal coverage of the prediction intervals (e.g. 0.9).</summary>
    [Id(11)] public double IntervalCoverage { get; init; }
    [Id(12)] public MeasureForecast[] Measures { get; init; } = [];
}

/// <summary>The forecast of one measure (<c>globalResonance</c>, <c>quantumCoherence</c>, <c>activeNodes</c>).</summary>
[GenerateSerializer, Immutable, Alias("resonance.measure-forecast")]
public sealed record MeasureForecast
{
    [Id(0)] public string Name { get; init; } = "";
    /// <summary>The last observed value (the persistence forecast for every lead time).</summary>
    [Id(1)] public double Last { get; init; }
    /// <summary>Dominant period (seconds) found in the training history, 0 when none stands out.</summary>
    [Id(2)] public int PeriodSeconds { get; init; }
    [Id(3)] public ForecastPoint[] Points { get; init; } = [];
    [Id(4)] public ForecastSkill Skill { get; init; } = new();
}

/// <summary>A forecast value <paramref name="AheadSeconds"/> after the origin, with its prediction interval.</summary>
[GenerateSerializer, Immutable, Alias("resonance.forecast-point")]
public readonly record struct ForecastPoint(
    [property: Id(0)] int AheadSeconds,
    [property: Id(1)] double Value,
    [property: Id(2)] double Lower,
    [property: Id(3)] double Upper);

/// <summary>
/// The served model's error on the most recent history it never saw (held out), next to the baselines' on the same points:
/// persistence (the next value equals the last) and climatology (the training mean). Lead times up to the requested horizon.
/// </summary>
[GenerateSerializer, Immutable, Alias("resonance.forecast-skill")]
public sealed record ForecastSkill
{
    [Id(0)] public double Mae { get; init; }
    [Id(1)] public double PersistenceMae { get; init; }
    [Id(2)] public double ClimatologyMae { get; init; }
    /// <summary>1 − MAE / persistence MAE (&gt; 0: better than persistence).</summary>
    [Id(3)] public double SkillVsPersistence { get; init; }
    /// <summary>Held-out (origin, lead time) pairs the figures are over.</summary>
    [Id(4)] public int HeldOutPoints { get; init; }
    /// <summary>True when the model beats both baselines by the configured margin (Resonance:Forecast:MinSkill).</summary>
    [Id(5)] public bool HasSkill { get; init; }
    /// <summary><c>skill</c>, <c>no_skill</c> or <c>insufficient_history</c>.</summary>
    [Id(6)] public string Verdict { get; init; } = "";
}
