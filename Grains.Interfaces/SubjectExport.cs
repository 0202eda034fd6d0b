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
    /// <summary>The subject's live participants (one per space it is streaming in), each with its current partners.</summary>
    [Id(5)] public ExportedParticipant[] Participants { get; init; } = [];
    [Id(7)] public bool Erased { get; init; }
    [Id(8)] public DateTime ExportedUtc { get; init; }
    /// <summary>The subject's refresh-token families (their tokens are stored only as hashes, so none is exported).</summary>
    [Id(9)] public Guid[] TokenFamilies { get; init; } = [];
}

/// <summary>A live participant of the subject and the partners it is entangled with (by request or by phase locking).</summary>
[GenerateSerializer, Immutable, Alias("resonance.exported-participant")]
public sealed record ExportedParticipant([property: Id(0)] NodeSnapshot Node, [property: Id(1)] Guid[] Partners);
