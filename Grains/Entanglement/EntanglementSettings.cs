namespace Resonance.Grains.Entanglement;

/// <summary>
/// How phase-locked pairs are detected (bound from <c>Resonance:Field:Entanglement</c>). The radius is a property of
/// the space (<c>SpaceConfig.EntanglementRadius</c>) because it must fit the space's cell grid.
/// </summary>
public sealed class EntanglementSettings
{
    /// <summary>W: the PLV window, in ticks of the space (default 20 = 2 s at 10 Hz).</summary>
    public int Window { get; set; } = 20;

    /// <summary>Frequency ratios tested, in preference order on ties (comma-separated <c>n:m</c>).</summary>
    public string Ratios { get; set; } = "1:1,2:1,3:2";

    /// <summary>A pair forms when its PLV reaches this.</summary>
    public double FormThreshold { get; set; } = 0.9;

    /// <summary>A formed pair breaks when its PLV falls below this (lower than the form threshold: hysteresis).</summary>
    public double BreakThreshold { get; set; } = 0.7;

    /// <summary>
    /// A stream needs this many fresh samples (ticks at which a new phase had arrived) in the window to be evaluated:
    /// a participant that sent one phase and then only heartbeats holds a constant phase, which would trivially "lock"
    /// with every other constant phase. The default 4 of 20 accepts streams of 2 Hz and more.
    /// </summary>
    public int MinFreshSamples { get; set; } = 4;

    /// <summary>
    /// Work bound of one cell and one tick: candidate pairs read, and distances compared. Where participants are so dense
    /// that a cell's candidates exceed it, the cell scans its members in rotation over several ticks (a member's pairs are
    /// then evaluated every few ticks instead of every tick; the phase histories are still sampled every tick).
    /// </summary>
    public int MaxPairsPerCellTick { get; set; } = 4096;

    /// <inheritdoc cref="MaxPairsPerCellTick"/>
    public long MaxDistanceChecksPerCellTick { get; set; } = 200_000;

    /// <summary>
    /// A participant holds at most this many phase-locked partners (explicit pairs are not limited): in a crowded space
    /// the number of pairs, and of notices to clients, stays proportional to the participants, not to their square.
    /// </summary>
    public int MaxPartnersPerNode { get; set; } = 4;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public PhaseLocking Compile()
    {
        if (Window < 2 || Window > 1024) throw new ArgumentException($"Entanglement window must be in [2, 1024] ticks, got {Window}.");
        if (!(BreakThreshold > 0 && BreakThreshold <= FormThreshold && FormThreshold <= 1))
            throw new ArgumentException($"Entanglement thresholds need 0 < break <= form <= 1, got break {BreakThreshold}, form {FormThreshold}.");
        if (MinFreshSamples < 0 || MinFreshSamples > Window)
            throw new ArgumentException($"MinFreshSamples must be in [0, window], got {MinFreshSamples}.");
        if (MaxPairsPerCellTick < 1 || MaxDistanceChecksPerCellTick < 1)
            throw new ArgumentException($"The per-cell entanglement budgets must be positive, got {MaxPairsPerCellTick} pairs, {MaxDistanceChecksPerCellTick} checks.");
        return new PhaseLocking(Window, HarmonicRatio.ParseList(Ratios), FormThreshold, BreakThreshold, MinFreshSamples);
    }
}
