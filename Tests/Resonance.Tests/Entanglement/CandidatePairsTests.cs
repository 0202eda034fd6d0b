using Resonance.Grains.Entanglement;

namespace Resonance.Tests.Entanglement;

/// <summary>Candidates come from the cell grid: every pair within the radius exactly once, never one beyond it.</summary>
public sealed class CandidatePairsTests
{
    private static readonly PhaseLocking Locking = new EntanglementSettings().Compile();

    [Theory]
    [InlineData(300, 100, 10, 8.58, 1)]
    [InlineData(500, 60, 10, 10, 2)]
    [InlineData(200, 45, 15, 7, 3)]
    public void Each_pair_within_the_radius_is_evaluated_exactly_once_and_none_beyond(int n, double side, double cellSize, double radius, int seed)
    {
        var random = new Random(seed);
        var participants = new TrackedPhase[n];
        for (int k = 0; k < n; k++)
        {
            var history = Locking.NewHistory();
            double phase = random.NextDouble() * 6;
            for (long t = 0; t < Locking.Window; t++) history.Record(t, phase + 0.01 * t, true);
            participants[k] = new TrackedPhase(Guid.NewGuid(), random.NextDouble() * side, random.NextDouble() * side, history);
        }
        var grid = new CellGrid(participants, side, side, cellSize);
        var readings = new List<PairReading>();
        var seen = new List<(Guid, Guid)>();
        int evaluated = 0;
        for (int c = 0; c < grid.Cells; c++)
        {
            readings.Clear();
            evaluated += CandidatePairs.Scan(grid.Members(c), grid.Held(c), radius, Locking.Window - 1, Locking, readings);
            foreach (var r in readings)
            {
                var a = grid.Members(c)[r.Member];
                var b = grid.Held(c)[r.Other];
                Assert.True(Math.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y)) <= radius, "a pair beyond the radius was evaluated");
                Assert.True(r.Evaluated);
                seen.Add((a.Id, b.Id));
            }
        }

        var expected = new HashSet<(Guid, Guid)>();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                var (a, b) = (participants[i], participants[j]);
                if (a.Id.CompareTo(b.Id) < 0 && (a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y) <= radius * radius) expected.Add((a.Id, b.Id));
            }
        Assert.True(expected.Count > 50, $"the case should have real candidates ({expected.Count})");
        Assert.Equal(expected.Count, seen.Count); // no pair twice
        Assert.True(expected.SetEquals(seen));
        Assert.Equal(expected.Count, evaluated);
    }

    [Fact]
    public void A_dense_cell_spreads_its_pairs_over_ticks_within_budget_and_one_rotation_covers_every_pair_once()
    {
        // 400 participants packed into one 10 x 10 cell: ~80,000 candidate pairs, far over the per-tick budget.
        var random = new Random(9);
        var participants = new TrackedPhase[400];
        for (int k = 0; k < participants.Length; k++)
        {
            var history = Locking.NewHistory();
            for (long t = 0; t < Locking.Window; t++) history.Record(t, 0.3 * k + 0.01 * t, true);
            participants[k] = new TrackedPhase(Guid.NewGuid(), random.NextDouble() * 10, random.NextDouble() * 10, history);
        }
        const int MaxPairs = 2000;
        var readings = new List<PairReading>();
        var seen = new List<(Guid, Guid)>();
        int start = 0, covered = 0, ticks = 0;
        while (covered < participants.Length)
        {
            readings.Clear();
            CandidatePairs.Scan(participants, participants, 20, Locking.Window - 1, Locking, readings, start, MaxPairs, long.MaxValue, out int scanned);
            Assert.InRange(scanned, 1, participants.Length);
            // Whole rows only, and no row started after the budget was reached: at most one row beyond it.
            Assert.True(readings.Count < MaxPairs + participants.Length, $"tick {ticks} read {readings.Count} pairs");
            // One rotation: rows of the members not covered yet (the last tick may wrap around into covered ones).
            int remaining = participants.Length - covered;
            foreach (var r in readings)
                if ((r.Member - start + participants.Length) % participants.Length < remaining)
                    seen.Add((participants[r.Member].Id, participants[r.Other].Id));
            start = (start + scanned) % participants.Length;
            covered += Math.Min(scanned, remaining);
            ticks++;
        }
        int expected = participants.Length * (participants.Length - 1) / 2;
        Assert.True(ticks > 10, $"the work should have been spread over many ticks, took {ticks}");
        Assert.Equal(expected, seen.Count);
        Assert.Equal(expected, seen.Distinct().Count());

        // The distance budget bounds the scan the same way.
        readings.Clear();
        CandidatePairs.Scan(participants, participants, 20, Locking.Window - 1, Locking, readings, 0, int.MaxValue, maxChecks: 4000, out int byChecks);
        Assert.Equal(10, byChecks);
    }

    [Fact]
    public void A_locked_pair_farther_than_the_radius_is_never_evaluated()
    {
        var a = Locking.NewHistory();
        var b = Locking.NewHistory();
        for (long t = 0; t < 50; t++)
        {
            a.Record(t, 0.1 * t, true);
            b.Record(t, 0.1 * t + 1, true);
        }
        TrackedPhase[] near = [new(new Guid("00000000-0000-0000-0000-000000000001"), 5, 5, a), new(new Guid("00000000-0000-0000-0000-000000000002"), 13.5, 5, b)];
        var readings = new List<PairReading>();
        Assert.Equal(1, CandidatePairs.Scan(near.AsSpan(0, 1), near, 8.58, 49, Locking, readings));
        Assert.Equal(1, readings[0].Plv, 9);

        readings.Clear();
        TrackedPhase[] far = [near[0], near[1] with { X = 13.6 }];
        Assert.Equal(0, CandidatePairs.Scan(far.AsSpan(0, 1), far, 8.58, 49, Locking, readings));
        Assert.Empty(readings);
    }

    [Fact]
    public void Pairs_with_an_incomplete_window_are_candidates_without_a_reading()
    {
        var a = Locking.NewHistory();
        var b = Locking.NewHistory();
        a.Record(0, 1, true);
        b.Record(0, 1, true);
        TrackedPhase[] both = [new(new Guid("00000000-0000-0000-0000-000000000001"), 1, 1, a), new(new Guid("00000000-0000-0000-0000-000000000002"), 2, 2, b)];
        var readings = new List<PairReading>();
        Assert.Equal(0, CandidatePairs.Scan(both, both, 5, 0, Locking, readings));
        Assert.False(Assert.Single(readings).Evaluated);
    }
}
