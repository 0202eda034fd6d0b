using System.Diagnostics;

namespace Resonance.Grains.Forecasting;

/// <summary>
/// The three models of a space (global resonance, coherence, active nodes) trained from one history, and the report
/// built from them and the latest history. Pure logic (no Orleans): the forecast grain decides when to train.
/// </summary>
public sealed class SpaceForecaster
{
    public const string GlobalResonance = "globalResonance";
    public const string QuantumCoherence = "quantumCoherence";
    public const string ActiveNodes = "activeNodes";

    /// <summary>Longest period looked for (seconds).</summary>
    public const int MaxPeriod = 600;

    private readonly MeasureModel[] _models;

    public DateTime TrainedUtc { get; }
    public int HistorySamples { get; }
    public long LastSecond { get; }
    public int TrainingRows { get; }
    public double TrainingMilliseconds { get; }
    public int HorizonCovered { get; }
    public IReadOnlyList<MeasureModel> Models => _models;

    /// <summary>Samples of recent history a forecast needs.</summary>
    public int Lookback { get; }

    private SpaceForecaster(MeasureModel[] models, DateTime trainedUtc, int historySamples, long lastSecond, double ms)
    {
        _models = models;
        TrainedUtc = trainedUtc;
        HistorySamples = historySamples;
        LastSecond = lastSecond;
        TrainingMilliseconds = ms;
        TrainingRows = models.Sum(m => m.TrainingRows);
        HorizonCovered = models.Min(m => m.Leads[^1]);
        Lookback = models.Max(m => m.Lookback) + 1;
    }

    /// <summary>Trains on <paramref name="history"/> (oldest first), or returns null when it is too short.</summary>
    public static SpaceForecaster? Train(IReadOnlyList<MeasureSample> history, ForecastOptions options, DateTime utcNow)
    {
        int n = history.Count;
        if (n < options.MinHistorySamples) return null;
        int split = n - (int)Math.Round(n * options.HeldOutFraction);
        long started = Stopwatch.GetTimestamp();
        var models = new MeasureModel[3];
        foreach (var (index, name, select, max) in Measures)
        {
            var y = new double[n];
            for (int i = 0; i < n; i++) y[i] = select(history[i]);
            int period = SeasonalPeriod.Detect(y.AsSpan(0, split), MaxPeriod);
            var leads = MeasureModel.Plan(n, split, ForecastFeatures.Lookback(period), options.MaxHorizon);
            if (leads.Length == 0 && period > 0)
            {
                // A long period needs a long lookback; without room for it, learn without the seasonal features.
                period = 0;
                leads = MeasureModel.Plan(n, split, ForecastFeatures.Lookback(0), options.MaxHorizon);
            }
            if (leads.Length == 0) return null;
            models[index] = MeasureModel.Train(name, y, split, period, leads, options, 0, max);
        }
        return new SpaceForecaster(models, utcNow, n, history[n - 1].UnixSecond, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>The forecast from the end of <paramref name="recent"/> (oldest first) for leads 1..<paramref name="horizon"/>.</summary>
    public ForecastReport Report(string space, IReadOnlyList<MeasureSample> recent, int horizon, ForecastOptions options, DateTime utcNow)
    {
        bool enough = recent.Count >= Lookback;
        var measures = new MeasureForecast[_models.Length];
        foreach (var (index, _, select, _) in Measures)
        {
            var model = _models[index];
            var y = new double[recent.Count];
            for (int i = 0; i < y.Length; i++) y[i] = select(recent[i]);
            measures[index] = new MeasureForecast
            {
                Name = model.Name,
                Last = y.Length > 0 ? y[^1] : 0,
                PeriodSeconds = model.Period,
                Points = enough ? model.Forecast(y, horizon) : [],
                Skill = model.Skill(horizon, options.MinSkill),
            };
        }
        return new ForecastReport
        {
            Space = space,
            Status = enough ? "ok" : ForecastVerdict.InsufficientHistory,
            Horizon = horizon,
            HorizonCovered = HorizonCovered,
            GeneratedUtc = utcNow,
            OriginUtc = recent.Count > 0 ? DateTimeOffset.FromUnixTimeSeconds(recent[^1].UnixSecond).UtcDateTime : null,
            TrainedUtc = TrainedUtc,
            HistorySamples = HistorySamples,
            MinHistorySamples = options.MinHistorySamples,
            TrainingRows = TrainingRows,
            TrainingMilliseconds = TrainingMilliseconds,
            IntervalCoverage = options.IntervalCoverage,
            Measures = measures,
        };
    }

    /// <summary>The report while there is no model: how much history there is and how much is needed.</summary>
    public static ForecastReport Insufficient(string space, int historySamples, int horizon, ForecastOptions options, DateTime utcNow) =>
        Placeholder(ForecastVerdict.InsufficientHistory, space, historySamples, horizon, options, utcNow);

    /// <summary>The answer while the space's first model is still being trained (no forecast yet).</summary>
    public static ForecastReport Training(string space, int historySamples, int horizon, ForecastOptions options, DateTime utcNow) =>
        Placeholder(ForecastVerdict.Training, space, historySamples, horizon, options, utcNow);

    private static ForecastReport Placeholder(string status, string space, int historySamples, int horizon, ForecastOptions options, DateTime utcNow) => new()
    {
        Space = space,
        Status = status,
        Horizon = horizon,
        GeneratedUtc = utcNow,
        HistorySamples = historySamples,
        MinHistorySamples = options.MinHistorySamples,
        IntervalCoverage = options.IntervalCoverage,
        Measures = [.. Measures.Select(m => new MeasureForecast
        {
            Name = m.Name,
            Skill = new ForecastSkill { Verdict = status },
        })],
    };

    /// <summary>The forecast measures: index, name, value of a sample, upper bound (lower bound 0).</summary>
    private static readonly (int Index, string Name, Func<MeasureSample, double> Select, double Max)[] Measures =
    [
        (0, GlobalResonance, s => s.GlobalResonance, 1),
        (1, QuantumCoherence, s => s.QuantumCoherence, 1),
        (2, ActiveNodes, s => s.ActiveNodes, double.PositiveInfinity),
    ];
}
