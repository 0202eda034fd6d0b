namespace Resonance.Grains;

/// <summary>A memory node's state as crystallised by its owner.</summary>
[GenerateSerializer, Immutable, Alias("resonance.memory-update")]
public sealed record MemoryUpdate
{
    [Id(0)] public Guid Owner { get; init; }
    [Id(1)] public double X { get; init; }
    [Id(2)] public double Y { get; init; }
    [Id(3)] public double Influence { get; init; } = 0.5;
    [Id(4)] public double Harmonic { get; init; }
    [Id(5)] public string? Content { get; init; }
    [Id(6)] public string? Archetype { get; init; }
    /// <summary>When true, anyone may read <see cref="Content"/>; otherwise only the owner.</summary>
    [Id(7)] public bool Public { get; init; }
}
