namespace Resonance.Grains.Forecasting;

/// <summary>Forecasting, bound from <c>Resonance:Forecast</c> (env: <c>Resonance__Forecast__...</c>).</summary>
public sealed class ForecastOptions
{
    public const string Section = "Resonance:Forecast";

    /// <summary>Hard ceiling of <see cref="MaxHorizon"/>: the lead-time grid ends here.</summary>
    public const int HorizonCeiling = 600;

    /// <summary>Seconds of per-second history a space keeps in memory (a ring buffer in the space grain).</summary>
    public int HistorySeconds { get; set; } = 3600;

    /// <summary>Lead time of a request without <c>horizon</c>, in seconds.</summary>
    public int DefaultHorizon { get; set; } = 60;

    /// <summary>Longest lead time a request may ask for (seconds, at most <see cref="HorizonCeiling"/>).</summary>
    public int MaxHorizon { get; set; } = 300;

    /// <summary>Below this many seconds of history there is no model (<c>insufficient_history</c>).</summary>
    public int MinHistorySamples { get; set; } = 240;

    /// <summary>The most recent part of the history kept out of training and used to measure skill and intervals.</summary>
    public double HeldOutFraction { get; set; } = 0.25;

    /// <summary>Retraining period of the forecast grain's timer (only while someone asks and new history arrives).</summary>
    public TimeSpan RetrainInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long the first request of a space waits for its first model. Training takes longer on a loaded silo; past this
    /// the request is answered <c>training</c> (REST: 503 with Retry-After) while the training goes on, so a request
    /// never runs into the cluster's response timeout.
    /// </summary>
    public TimeSpan FirstTrainingWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A forecaster nobody asked for this long stops its timer and deactivates.</summary>
    public TimeSpan KeepWarmFor { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>FastTree: number of trees, leaves per tree, minimum examples per leaf, learning rate.</summary>
    public int Trees { get; set; } = 50;
    public int Leaves { get; set; } = 16;
    public int MinExamplesPerLeaf { get; set; } = 20;
    public double LearningRate { get; set; } = 0.1;

    /// <summary>Bound on training rows per measure (origins are strided to fit): bounds training CPU and memory.</summary>
    public int MaxTrainingRows { get; set; } = 8_000;

    /// <summary>ML.NET seed: training is single-threaded and seeded, so the same history gives the same model.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>The model has skill when its MAE is below (1 − MinSkill) x the better baseline's (persistence, climatology).</summary>
    public double MinSkill { get; set; } = 0.05;

    /// <summary>Nominal coverage of the prediction intervals (from held-out residual quantiles).</summary>
    public double IntervalCoverage { get; set; } = 0.9;

    /// <summary>Allows <c>ISpaceGrain.SeedMeasureHistoryForTesting</c> (tests only; off in every shipped configuration).</summary>
    public bool AllowHistorySeeding { get; set; }

    /// <summary>The settings as a plain description of what is wrong, or null when they hold together.</summary>
    public string? Problem()
    {
        if (HistorySeconds < 60) return "HistorySeconds must be at least 60.";
        if (MaxHorizon < 1 || MaxHorizon > HorizonCeiling) return $"MaxHorizon must be within [1, {HorizonCeiling}].";
        if (DefaultHorizon < 1 || DefaultHorizon > MaxHorizon) return "DefaultHorizon must be within [1, MaxHorizon].";
        if (MinHistorySamples < 120 || MinHistorySamples > HistorySeconds) return "MinHistorySamples must be within [120, HistorySeconds].";
        if (!(HeldOutFraction is > 0.05 and < 0.5)) return "HeldOutFraction must be within (0.05, 0.5).";
        if (FirstTrainingWait <= TimeSpan.Zero || FirstTrainingWait > TimeSpan.FromSeconds(25)) return "FirstTrainingWait must be within (0, 25 s] (below the cluster's 30 s response timeout).";
        if (RetrainInterval < TimeSpan.FromSeconds(1)) return "RetrainInterval must be at least 1 s.";
        if (Trees < 1 || Leaves < 2 || MinExamplesPerLeaf < 1 || !(LearningRate is > 0 and <= 1)) return "FastTree settings are out of range.";
        if (MaxTrainingRows < 1000) return "MaxTrainingRows must be at least 1000.";
        if (!(MinSkill is >= 0 and < 1)) return "MinSkill must be within [0, 1).";
        if (!(IntervalCoverage is > 0 and < 1)) return "IntervalCoverage must be within (0, 1).";
        return null;
    }
}
