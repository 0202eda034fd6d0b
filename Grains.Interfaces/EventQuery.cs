namespace Resonance.Grains;

/// <summary>
/// A history query: events of <see cref="Space"/> in [<see cref="FromUtc"/>, <see cref="ToUtc"/>), oldest first, at most
/// <see cref="Limit"/>; with <see cref="Near"/>, only events whose position lies within the radius (field units) of (X, Y).
/// </summary>
[GenerateSerializer, Immutable, Alias("resonance.event-query")]
public sealed record EventQuery(
    [property: Id(0)] string Space,
    [property: Id(1)] DateTime FromUtc,
    [property: Id(2)] DateTime ToUtc,
    [property: Id(3)] int Limit,
    [property: Id(4)] (double X, double Y, double Radius)? Near = null);
