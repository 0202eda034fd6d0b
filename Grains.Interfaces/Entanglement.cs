namespace Resonance.Grains;

[GenerateSerializer]
public enum EntanglementState : byte
{
    /// <summary>Someone asked to entangle with the notice's target; it forms once the target asks back.</summary>
    Requested = 0,
    Formed = 1,
    Broken = 2,
}

/// <summary>An entangled pair as listed in <c>resonance_update.phiHarmonics</c>. Node1 &lt; Node2 (by Guid order).</summary>
[GenerateSerializer, Immutable, Alias("resonance.entangled-pair")]
public readonly record struct EntangledPair(
    [property: Id(0)] Guid Node1,
    [property: Id(1)] Guid Node2,
    [property: Id(2)] string Ratio,
    [property: Id(3)] double Strength,
    [property: Id(4)] string Type)
{
    /// <summary>Formed by request, with consent on both sides.</summary>
    public const string ExplicitType = "explicit";

    /// <summary>Formed by phase locking (PLV over the space's window).</summary>
    public const string PlvType = "plv";

    public bool IsExplicit => Type == ExplicitType;

    public static EntangledPair Create(Guid a, Guid b, string ratio, double strength, string type) =>
        a.CompareTo(b) <= 0 ? new(a, b, ratio, strength, type) : new(b, a, ratio, strength, type);

    public bool Involves(Guid node) => Node1 == node || Node2 == node;

    public Guid PartnerOf(Guid node) => Node1 == node ? Node2 : Node1;
}

/// <summary>A change of entanglement addressed to <see cref="To"/> (delivered to its client as <c>quantum_entanglement</c>).</summary>
[GenerateSerializer, Immutable, Alias("resonance.entanglement-notice")]
public readonly record struct EntanglementNotice(
    [property: Id(0)] Guid To,
    [property: Id(1)] Guid Partner,
    [property: Id(2)] EntanglementState State,
    [property: Id(3)] double Strength);
