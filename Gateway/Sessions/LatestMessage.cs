namespace Resonance.Gateway.Sessions;

/// <summary>
/// The newest message of a kind that many sessions take latest-wins (a space's <c>resonance_update</c>), held in one
/// place. A session's writer is told only that one is waiting (<see cref="SessionWriter.OfferUpdate"/>) and reads the
/// message from here when it writes.
/// <para>
/// Why not store the message in every writer: a writer lives as long as its session (the old generation), and each
/// broadcast is a new (young) object. Storing one in 5,000 writers dirties 5,000 cards that the next young collection
/// must scan; with clients that do not read, whose writers keep the reference, that was ~2 µs per such session per
/// collection, paused for everybody (docs/benchmarks.md). A flag costs no card.
/// </para>
/// </summary>
public sealed class LatestMessage
{
    private volatile OutboundMessage? _current;

    /// <summary>The newest message, or null before the first.</summary>
    public OutboundMessage? Current => _current;

    /// <summary>Makes <paramref name="message"/> the newest; writers that are told afterwards write it (or a newer one).</summary>
    public void Publish(OutboundMessage message) => _current = message;
}
