namespace Resonance.Grains.Rollups;

/// <summary>A committed batch stored events of minute <see cref="MinuteUtc"/>: that minute's rollup must be recomputed.</summary>
public readonly record struct RollupMark(long Seq, DateTime MinuteUtc);
