namespace Resonance.Grains.Subjects;

/// <summary>Persisted state of a subject grain: no personal payload, only preferences and the ids of its memory nodes.</summary>
[GenerateSerializer, Alias("resonance.subject-state")]
public sealed class SubjectState
{
    [Id(0)] public SubjectPreferences Preferences { get; set; } = new();
    /// <summary>The subject's memory nodes and their spaces (may list nodes deleted since: the delete only tells it one-way).</summary>
    [Id(1)] public Dictionary<Guid, string> MemoryNodes { get; set; } = [];
    /// <summary>Set by erasure; from then on nothing new is stored for the subject.</summary>
    [Id(2)] public DateTime? ErasedUtc { get; set; }
}
