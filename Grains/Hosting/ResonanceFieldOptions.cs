using Resonance.Grains.Entanglement;

namespace Resonance.Grains.Hosting;

/// <summary>Field and grain behaviour, bound from configuration section <c>Resonance:Field</c> (env: <c>Resonance__Field__...</c>).</summary>
public sealed class ResonanceFieldOptions
{
    public const string Section = "Resonance:Field";

    /// <summary>A participant that sends nothing for this long is stale and removed with its contribution.</summary>
    public TimeSpan ParticipantStaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Highest rate at which a cell publishes its changed tile to observers.</summary>
    public double PublishHz { get; set; } = 30;

    /// <summary>Number of field peaks reported per tick (<c>harmonicField</c>).</summary>
    public int PeaksPerTick { get; set; } = 8;

    /// <summary>At most this many pairs (the strongest) are listed in each tick's <c>phiHarmonics</c>; all are counted.</summary>
    public int PairsPerTick { get; set; } = 8;

    /// <summary>At most this many relayed events go out with one tick; the rest are dropped from the relay (they are still stored).</summary>
    public int RelayEventsPerTick { get; set; } = 2;

    /// <summary>
    /// A cell grain gets at most one batch of node changes per this interval from each silo (a quiet cell's change goes
    /// at once): under load a busy cell's batches grow instead of its calls multiplying, and each call's cost (the
    /// Orleans message, its task and callback) is paid per batch, not per update. 0: a cell is called again as soon as its
    /// previous call returns.
    /// </summary>
    public TimeSpan CellCallInterval { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Observer subscriptions not renewed within this time are dropped.</summary>
    public TimeSpan ObserverExpiry { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A space with no reporting cell (no participant, no memory node), no observer and nothing pending stops ticking and
    /// deactivates once it has been idle this long; it comes back with its persisted configuration on next use.
    /// </summary>
    public TimeSpan SpaceIdleGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Phase-locking detection (<c>Resonance:Field:Entanglement:*</c>); the radius is per space (SpaceConfig).</summary>
    public EntanglementSettings Entanglement { get; set; } = new();

    /// <summary>The configuration of spaces that nobody configured explicitly.</summary>
    public SpaceConfig DefaultSpace { get; set; } = new();
}
