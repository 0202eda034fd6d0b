namespace Resonance.Grains;

/// <summary>A data subject's choices about how the collective uses them.</summary>
[GenerateSerializer, Immutable, Alias("resonance.subject-preferences")]
public sealed record SubjectPreferences
{
    /// <summary>
    /// False: the subject is left out of global resonance, coherence, the field's node sum and entanglement, and its
    /// events are stored but not relayed; it still sees the field.
    /// </summary>
    [Id(0)] public bool Collective { get; init; } = true;
}
