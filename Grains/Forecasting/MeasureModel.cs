using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace Resonance.Grains.Forecasting;

/// <summary>
/// A forecaster of one measure: an ML.NET FastTree regression of y[t+h] − y[t] on <see cref="ForecastFeatures"/>,
/// trained on the older part of the history and evaluated on the most recent part it never saw. The evaluation gives the
/// reported skill (model vs persistence vs climatology MAE per lead time) and the prediction intervals (quantiles of the
/// held-out residuals per lead time). The served model is the evaluated one, so the skill is its own.
/// </summary>
public sealed class MeasureModel
{
    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly int[] _leads;
    private readonly LeadEvaluation[] _evaluation;
    private readonly double _min, _max;

    public string Name { get; }
    public int Period { get; }
    public int Lookback => ForecastFeatures.Lookback(Period);
    public int TrainingRows { get; }
    public ReadOnlySpan<int> Leads => _leads;

    /// <summary>Held-out figures at one lead time: absolute error sums and residual quantiles.</summary>
    private readonly record struct LeadEvaluation(int Count, double ModelAbs, double PersistenceAbs, double ClimatologyAbs, double Lower, double Upper);

    private MeasureModel(string name, MLContext ml, ITransformer model, int period, int[] leads, LeadEvaluation[] evaluation, int rows, double min, double max)
    {
        Name = name;
        _ml = ml;
        _model = model;
        Period = period;
        _leads = leads;
        _evaluation = evaluation;
        TrainingRows = rows;
        _min = min;
        _max = max;
    }

    /// <summary>
    /// Trains on <c>y[0..split)</c> and evaluates on origins from <c>split − 1</c> on, at the given lead times (each must
    /// leave enough training and held-out origins; see <see cref="Plan"/>). Values are clamped to [min, max].
    /// </summary>
    public static MeasureModel Train(string name, double[] y, int split, int period, int[] leads, ForecastOptions options, double min, double max)
    {
        int lookback = ForecastFeatures.Lookback(period);
        long total = 0;
        foreach (int h in leads) total += split - h - lookback;
        int stride = (int)Math.Max(1, (total + options.MaxTrainingRows - 1) / options.MaxTrainingRows);

        var rows = new List<Row>();
        foreach (int h in leads)
            for (int t = lookback; t + h < split; t += stride)
                rows.Add(MakeRow(y, t, h, period));

        // Seeded and single-threaded: the same history always gives the same trees.
        var ml = new MLContext(seed: options.Seed);
        var trainer = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
        {
            NumberOfTrees = options.Trees,
            NumberOfLeaves = options.Leaves,
            MinimumExampleCountPerLeaf = options.MinExamplesPerLeaf,
            LearningRate = options.LearningRate,
            NumberOfThreads = 1,
            Seed = options.Seed,
            LabelColumnName = nameof(Row.Label),
            FeatureColumnName = nameof(Row.Features),
        });
        var model = trainer.Fit(ml.Data.LoadFromEnumerable(rows));

        // Held out: every origin whose target lies after the training part, at every lead.
        double climatology = 0;
        for (int i = 0; i < split; i++) climatology += y[i];
        climatology /= split;
        var evalRows = new List<Row>();
        var origins = new List<(int T, int H)>();
        foreach (int h in leads)
            for (int t = split - 1; t + h < y.Length; t++)
            {
                evalRows.Add(MakeRow(y, t, h, period));
                origins.Add((t, h));
            }
        var deltas = Predict(ml, model, evalRows);
        var evaluation = new LeadEvaluation[leads.Length];
        double tail = (1 - options.IntervalCoverage) / 2;
        int at = 0;
        for (int k = 0; k < leads.Length; k++)
        {
            var residuals = new List<double>();
            double modelAbs = 0, persistenceAbs = 0, climatologyAbs = 0;
            for (; at < origins.Count && origins[at].H == leads[k]; at++)
            {
                var (t, h) = origins[at];
                double actual = y[t + h];
                double predicted = Math.Clamp(y[t] + deltas[at], min, max);
                residuals.Add(actual - predicted);
                modelAbs += Math.Abs(actual - predicted);
                persistenceAbs += Math.Abs(actual - y[t]);
                climatologyAbs += Math.Abs(actual - climatology);
            }
            residuals.Sort();
            var sorted = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(residuals);
            evaluation[k] = new LeadEvaluation(residuals.Count, modelAbs, persistenceAbs, climatologyAbs,
                Quantiles.OfSorted(sorted, tail), Quantiles.OfSorted(sorted, 1 - tail));
        }
        return new MeasureModel(name, ml, model, period, leads, evaluation, rows.Count, min, max);
    }

    /// <summary>
    /// The lead times a history of <paramref name="n"/> samples split at <paramref name="split"/> supports: enough
    /// training origins (≥ 50) and held-out origins (≥ 20) at each, up to <paramref name="maxHorizon"/>.
    /// </summary>
    public static int[] Plan(int n, int split, int lookback, int maxHorizon) =>
        [.. LeadTimes.Grid.Where(h => h <= maxHorizon && split - h - lookback >= 50 && n - h - split + 1 >= 20)];

    /// <summary>Skill over the held-out pairs with lead ≤ <paramref name="horizon"/>.</summary>
    public ForecastSkill Skill(int horizon, double minSkill)
    {
        int count = 0;
        double m = 0, p = 0, c = 0;
        for (int k = 0; k < _leads.Length && _leads[k] <= Math.Max(horizon, _leads[0]); k++)
        {
            var e = _evaluation[k];
            count += e.Count;
            m += e.ModelAbs;
            p += e.PersistenceAbs;
            c += e.ClimatologyAbs;
        }
        double mae = m / count, persistence = p / count, climatology = c / count;
        bool hasSkill = mae < (1 - minSkill) * Math.Min(persistence, climatology);
        return new ForecastSkill
        {
            Mae = mae,
            PersistenceMae = persistence,
            ClimatologyMae = climatology,
            SkillVsPersistence = persistence > 0 ? 1 - mae / persistence : 0,
            HeldOutPoints = count,
            HasSkill = hasSkill,
            Verdict = hasSkill ? ForecastVerdict.Skill : ForecastVerdict.NoSkill,
        };
    }

    /// <summary>
    /// Points for leads 1..<paramref name="horizon"/> (capped at the longest trained lead) from the last sample of
    /// <paramref name="recent"/> (at least <see cref="Lookback"/> + 1 samples).
    /// </summary>
    public ForecastPoint[] Forecast(ReadOnlySpan<double> recent, int horizon)
    {
        int t = recent.Length - 1;
        int last = Math.Min(horizon, _leads[^1]);
        var rows = new List<Row>(last);
        for (int h = 1; h <= last; h++) rows.Add(MakeRow(recent, t, h, Period));
        var deltas = Predict(_ml, _model, rows);
        var points = new ForecastPoint[last];
        for (int h = 1; h <= last; h++)
        {
            double value = Math.Clamp(recent[t] + deltas[h - 1], _min, _max);
            var e = _evaluation[LeadTimes.IndexFor(_leads, h)];
            points[h - 1] = new ForecastPoint(h, value, Math.Clamp(value + e.Lower, _min, _max), Math.Clamp(value + e.Upper, _min, _max));
        }
        return points;
    }

    private static Row MakeRow(ReadOnlySpan<double> y, int t, int h, int period)
    {
        var row = new Row();
        ForecastFeatures.Write(y, t, h, period, row.Features);
        if (t + h < y.Length) row.Label = (float)(y[t + h] - y[t]);
        return row;
    }

    private static float[] Predict(MLContext ml, ITransformer model, List<Row> rows)
    {
        var scored = model.Transform(ml.Data.LoadFromEnumerable(rows));
        var result = new float[rows.Count];
        int i = 0;
        foreach (var s in ml.Data.CreateEnumerable<Scored>(scored, reuseRowObject: true)) result[i++] = s.Score;
        return result;
    }

    private sealed class Row
    {
        [VectorType(ForecastFeatures.Count)]
        public float[] Features { get; set; } = new float[ForecastFeatures.Count];

        public float Label { get; set; }
    }

    private sealed class Scored
    {
        public float Score { get; set; }
    }
}

/// <summary>The verdict strings of <see cref="ForecastSkill.Verdict"/>.</summary>
public static class ForecastVerdict
{
    public const string Skill = "skill";
    public const string NoSkill = "no_skill";
    public const string InsufficientHistory = "insufficient_history";
    /// <summary>A report status only: the space's first model is still being trained; ask again shortly.</summary>
    public const string Training = "training";
}
