namespace Resonance.Grains.Subjects;

/// <summary>Persisted state of a subject grain: no personal payload, only preferences and the ids of its nodes.</summary>
[GenerateSerializer, Alias("resonance.subject-state")]
public sealed class SubjectState
{
    [Id(0)] public SubjectPreferences Preferences { get; set; } = new();
    /// <summary>The subject's memory nodes and their spaces (may list nodes deleted since: the delete only tells it one-way).</summary>
    [Id(1)] public Dictionary<Guid, string> MemoryNodes { get; set; } = [];
    /// <summary>Set by erasure; from then on nothing new is stored for the subject.</summary>
    [Id(2)] public DateTime? ErasedUtc { get; set; }
    /// <summary>
    /// The subject's participant node in each space it joined with a token (node id: its pseudonym there, so the subject
    /// cannot be found from it; this index is how preferences, export and erasure reach them).
    /// </summary>
    [Id(3)] public Dictionary<Guid, string> Participants { get; set; } = [];
    /// <summary>The subject's refresh-token families (listed before each is started), so erasure revokes every token.</summary>
    [Id(4)] public HashSet<Guid> TokenFamilies { get; set; } = [];
}
