namespace Resonance.Grains;

/// <summary>A node's current state as the node grain holds it.</summary>
[GenerateSerializer, Immutable, Alias("resonance.node-snapshot")]
public sealed record NodeSnapshot
{
    [Id(0)] public Guid Id { get; init; }
    [Id(1)] public NodeKind Kind { get; init; }
    [Id(2)] public string Space { get; init; } = "";
    [Id(3)] public double X { get; init; }
    [Id(4)] public double Y { get; init; }
    /// <summary>s_n: amplitude for a participant, influence for a memory node.</summary>
    [Id(5)] public double Strength { get; init; }
    [Id(6)] public double Resonance { get; init; }
    [Id(7)] public double Frequency { get; init; }
    [Id(8)] public double Phase { get; init; }
    [Id(9)] public double? QuantumFactor { get; init; }
    [Id(10)] public string? ConsciousnessIntent { get; init; }
    [Id(11)] public Guid? Owner { get; init; }
    [Id(12)] public string? Content { get; init; }
    [Id(13)] public string? Archetype { get; init; }
    /// <summary>Increases with every change; cells ignore changes older than what they hold.</summary>
    [Id(14)] public long Version { get; init; }
    [Id(15)] public DateTime UpdatedUtc { get; init; }
    /// <summary>False once the node left or was deleted.</summary>
    [Id(16)] public bool Live { get; init; }
    /// <summary>A memory node whose owner made its content readable by anyone.</summary>
    [Id(17)] public bool Public { get; init; }
}
