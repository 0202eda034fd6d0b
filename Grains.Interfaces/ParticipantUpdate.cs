namespace Resonance.Grains;

/// <summary>
/// A participant's harmonic state as streamed by a client. Position and resonance are optional (the existing app sends
/// neither): without a position the node is placed deterministically from its id; without resonance, r = amplitude.
/// </summary>
[GenerateSerializer, Immutable, Alias("resonance.participant-update")]
public sealed record ParticipantUpdate
{
    [Id(0)] public double Frequency { get; init; }
    [Id(1)] public double Amplitude { get; init; }
    [Id(2)] public double? Phase { get; init; }
    [Id(3)] public double? X { get; init; }
    [Id(4)] public double? Y { get; init; }
    [Id(5)] public double? Resonance { get; init; }
    [Id(6)] public double? QuantumFactor { get; init; }
    [Id(7)] public string? ConsciousnessIntent { get; init; }
    [Id(8)] public double? Timestamp { get; init; }
    /// <summary>The gateway session streaming this participant (so a superseded session's leave cannot remove it).</summary>
    [Id(9)] public Guid? Session { get; init; }
    /// <summary>
    /// The authenticated subject behind this participant (whose node id is the subject's pseudonym in the space), so the
    /// node can follow the subject's preferences and the subject can find, export and erase it. Null for an anonymous
    /// session: a fresh identity each time, with no preferences to follow.
    /// </summary>
    [Id(10)] public Guid? Subject { get; init; }
}
