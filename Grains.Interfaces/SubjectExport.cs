namespace Resonance.Grains;

/// <summary>Everything stored about one subject, as one document (access and portability).</summary>
[GenerateSerializer, Immutable, Alias("resonance.subject-export")]
public sealed record SubjectExport
{
    [Id(0)] public Guid Subject { get; init; }
    [Id(1)] public SubjectPreferences Preferences { get; init; } = new();
    /// <summary>The subject's memory nodes (live ones), content decrypted.</summary>
    [Id(2)] public NodeSnapshot[] MemoryNodes { get; init; } = [];
    /// <summary>The subject's stored events in every space, oldest first, data decrypted.</summary>
    [Id(3)] public EventRecord[] Events { get; init; } = [];
    /// <summary>True when the subject has more events than an export carries (<c>ISubjectGrain.MaxExportEvents</c>).</summary>
    [Id(4)] public bool EventsTruncated { get; init; }
    /// <summary>The subject's participant while it is live.</summary>
    [Id(5)] public NodeSnapshot? Participant { get; init; }
    /// <summary>The participant's current partners (entangled by request or by phase locking).</summary>
    [Id(6)] public Guid[] Partners { get; init; } = [];
    [Id(7)] public bool Erased { get; init; }
    [Id(8)] public DateTime ExportedUtc { get; init; }
}
