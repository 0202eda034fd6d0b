namespace Resonance.Grains.Spaces;

/// <summary>Persisted state of a space: its configuration (with its clock's epoch) and whether it has been read.</summary>
[GenerateSerializer, Alias("resonance.space-state")]
public sealed class SpaceState
{
    [Id(0)] public SpaceConfig? Config { get; set; }
    /// <summary>Once anyone has read the configuration it is fixed: every silo caches it.</summary>
    [Id(1)] public bool Sealed { get; set; }
    /// <summary>Cells whose tiles hold memory nodes (key: cx &lt;&lt; 32 | cy): revived when the space activates.</summary>
    [Id(2)] public HashSet<long> MemoryCells { get; set; } = [];
}
