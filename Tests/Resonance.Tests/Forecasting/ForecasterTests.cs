using Resonance.Grains;
using Resonance.Grains.Forecasting;

namespace Resonance.Tests.Forecasting;

/// <summary>The forecaster's pure logic (features, ML.NET training, held-out evaluation) on synthetic histories.</summary>
public sealed class ForecasterTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private void Print(ForecastReport report)
    {
        output.WriteLine($"{report.HistorySamples} s of history, {report.TrainingRows} rows, trained in {report.TrainingMilliseconds:F0} ms, covered {report.HorizonCovered} s");
        foreach (var m in report.Measures)
            output.WriteLine($"  {m.Name}: period {m.PeriodSeconds}, MAE {m.Skill.Mae:G4}, persistence {m.Skill.PersistenceMae:G4}, climatology {m.Skill.ClimatologyMae:G4}, skill {m.Skill.SkillVsPersistence:F3}, {m.Skill.Verdict}");
    }

    private static readonly ForecastOptions Options = new();
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly long End = new DateTimeOffset(Now).ToUnixTimeSeconds();

    private static readonly string[] AllMeasures = [SpaceForecaster.GlobalResonance, SpaceForecaster.QuantumCoherence, SpaceForecaster.ActiveNodes];

    [Fact]
    public void A_periodic_space_is_forecast_better_than_persistence_for_every_measure()
    {
        var history = SyntheticHistory.Periodic(1800, End);
        var model = SpaceForecaster.Train(history, Options, Now)!;
        Assert.NotNull(model);
        var report = model.Report("p", history, 60, Options, Now);
        Print(report);

        Assert.Equal("ok", report.Status);
        foreach (var m in report.Measures)
        {
            Assert.Equal(60, m.Points.Length);
            Assert.True(m.Skill.HasSkill, $"{m.Name}: {m.Skill}");
            Assert.Equal(ForecastVerdict.Skill, m.Skill.Verdict);
            // Well below persistence, not just below: the pattern is most of the signal.
            Assert.True(m.Skill.Mae < 0.5 * m.Skill.PersistenceMae, $"{m.Name}: {m.Skill}");
            Assert.True(m.Skill.SkillVsPersistence > 0.5, $"{m.Name}: {m.Skill}");
            Assert.True(m.Skill.HeldOutPoints > 1000, $"{m.Name}: {m.Skill.HeldOutPoints} held-out points");
        }
        Assert.Equal(SyntheticHistory.ResonancePeriod, report.Measures.Single(m => m.Name == SpaceForecaster.GlobalResonance).PeriodSeconds);
    }

    [Fact]
    public void The_periodic_forecast_tracks_the_future_it_never_saw_and_its_intervals_cover_it()
    {
        // Train on the first 1,800 s; the next 120 s are the future.
        var all = SyntheticHistory.Periodic(1920, End + 120);
        var history = all[..1800];
        var future = all[1800..];
        var model = SpaceForecaster.Train(history, Options, Now)!;
        var report = model.Report("p", history, 120, Options, Now);

        var g = report.Measures.Single(m => m.Name == SpaceForecaster.GlobalResonance);
        double modelError = 0, persistenceError = 0;
        int inside = 0;
        foreach (var p in g.Points)
        {
            double actual = future[p.AheadSeconds - 1].GlobalResonance;
            modelError += Math.Abs(actual - p.Value);
            persistenceError += Math.Abs(actual - g.Last);
            Assert.True(p.Lower <= p.Value && p.Value <= p.Upper, $"lead {p.AheadSeconds}: {p}");
            if (p.Lower <= actual && actual <= p.Upper) inside++;
        }
        Assert.True(modelError < 0.5 * persistenceError, $"model {modelError / 120:F4} vs persistence {persistenceError / 120:F4}");
        // Nominal 90 %; 120 correlated points of one origin, so only a loose bound.
        Assert.True(inside >= 0.75 * g.Points.Length, $"{inside} of {g.Points.Length} inside the intervals");
    }

    [Fact]
    public void A_white_noise_space_has_no_skill()
    {
        var history = SyntheticHistory.WhiteNoise(1800, End);
        var report = SpaceForecaster.Train(history, Options, Now)!.Report("n", history, 60, Options, Now);
        Print(report);
        foreach (var m in report.Measures)
        {
            Assert.False(m.Skill.HasSkill, $"{m.Name}: {m.Skill}");
            Assert.Equal(ForecastVerdict.NoSkill, m.Skill.Verdict);
            Assert.Equal(0, m.PeriodSeconds);
            // Still a forecast, with intervals as wide as the noise.
            Assert.Equal(60, m.Points.Length);
        }
    }

    [Fact]
    public void A_random_walk_space_has_no_skill()
    {
        var history = SyntheticHistory.RandomWalk(1800, End);
        var report = SpaceForecaster.Train(history, Options, Now)!.Report("w", history, 60, Options, Now);
        Print(report);
        foreach (var m in report.Measures)
        {
            Assert.False(m.Skill.HasSkill, $"{m.Name}: {m.Skill}");
            Assert.Equal(ForecastVerdict.NoSkill, m.Skill.Verdict);
        }
    }

    [Fact]
    public void Training_is_deterministic()
    {
        var history = SyntheticHistory.Periodic(900, End);
        var a = SpaceForecaster.Train(history, Options, Now)!.Report("d", history, 60, Options, Now);
        var b = SpaceForecaster.Train(history, Options, Now)!.Report("d", history, 60, Options, Now);
        for (int k = 0; k < a.Measures.Length; k++)
        {
            Assert.Equal(a.Measures[k].Points, b.Measures[k].Points);
            Assert.Equal(a.Measures[k].Skill, b.Measures[k].Skill);
        }
    }

    [Fact]
    public void Too_little_history_gives_no_model_and_a_short_one_covers_only_the_leads_it_can_evaluate()
    {
        Assert.Null(SpaceForecaster.Train(SyntheticHistory.Periodic(Options.MinHistorySamples - 1, End), Options, Now));

        var history = SyntheticHistory.Periodic(400, End);
        var model = SpaceForecaster.Train(history, Options, Now)!;
        var report = model.Report("s", history, 300, Options, Now);
        Assert.True(report.HorizonCovered < 300, $"covered {report.HorizonCovered}");
        Assert.All(report.Measures, m => Assert.Equal(report.HorizonCovered, m.Points.Length));

        // Recent history shorter than the features' lookback: no points, the skill is still reported.
        var thin = model.Report("s", history[^10..], 60, Options, Now);
        Assert.Equal(ForecastVerdict.InsufficientHistory, thin.Status);
        Assert.All(thin.Measures, m => Assert.Empty(m.Points));
    }

    [Fact]
    public void Forecasts_stay_within_each_measures_range()
    {
        var history = SyntheticHistory.WhiteNoise(900, End);
        var report = SpaceForecaster.Train(history, Options, Now)!.Report("r", history, 120, Options, Now);
        foreach (var m in report.Measures)
        {
            double max = m.Name == SpaceForecaster.ActiveNodes ? double.PositiveInfinity : 1;
            Assert.All(m.Points, p => Assert.True(p.Lower >= 0 && p.Upper <= max && p.Lower <= p.Value && p.Value <= p.Upper, $"{m.Name} {p}"));
        }
    }

    [Fact]
    public void The_period_detector_finds_periods_and_nothing_in_noise()
    {
        double[] Series(Func<int, double> f, int n = 1200) => [.. Enumerable.Range(0, n).Select(f)];
        var random = new Random(5);
        Assert.Equal(60, SeasonalPeriod.Detect(Series(t => Math.Sin(2 * Math.PI * t / 60) + 0.2 * (random.NextDouble() - 0.5)), 600));
        Assert.Equal(0, SeasonalPeriod.Detect(Series(_ => random.NextDouble()), 600));
        double walk = 0;
        Assert.Equal(0, SeasonalPeriod.Detect(Series(_ => walk += random.NextDouble() - 0.5), 600));
        Assert.Equal(0, SeasonalPeriod.Detect(Series(_ => 0.4), 600));
    }

    [Fact]
    public void Measure_history_keeps_one_mean_per_second_and_at_most_its_capacity()
    {
        var history = new MeasureHistory(capacity: 3);
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        history.AddTick(t0.AddMilliseconds(100), 0.2, 0.4, 2);
        history.AddTick(t0.AddMilliseconds(900), 0.4, 0.6, 4);
        Assert.Equal(0, history.Count); // the second is still open
        history.AddTick(t0.AddSeconds(1), 1, 1, 10);
        var one = Assert.Single(history.Snapshot(10));
        Assert.Equal(new DateTimeOffset(t0).ToUnixTimeSeconds(), one.UnixSecond);
        Assert.Equal(0.3, one.GlobalResonance, 12);
        Assert.Equal(0.5, one.QuantumCoherence, 12);
        Assert.Equal(3, one.ActiveNodes, 12);

        // A silent stretch is absent, not zero-filled; the oldest seconds fall out of the ring.
        foreach (int s in new[] { 5, 6, 9, 10 }) history.AddTick(t0.AddSeconds(s), s, 0, 0);
        var kept = history.Snapshot(10);
        Assert.Equal(3, kept.Length);
        Assert.Equal([5.0, 6.0, 9.0], kept.Select(k => k.GlobalResonance));
        Assert.Equal([6.0, 9.0], history.Snapshot(2).Select(k => k.GlobalResonance));

        // Appended seconds must come after the last one.
        long last = kept[^1].UnixSecond;
        history.Append([new MeasureSample(last, 7, 0, 0), new MeasureSample(last + 5, 8, 0, 0)]);
        Assert.Equal([9.0, 10.0, 8.0], history.Snapshot(3).Select(k => k.GlobalResonance));
    }
}
