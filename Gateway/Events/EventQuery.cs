namespace Resonance.Gateway.Events;

/// <summary>
/// A history query: events of <see cref="Space"/> in [<see cref="FromUtc"/>, <see cref="ToUtc"/>), oldest first, at most
/// <see cref="Limit"/>; with <see cref="Near"/>, only events whose position lies within the radius (field units) of (X, Y).
/// </summary>
public sealed record EventQuery(string Space, DateTime FromUtc, DateTime ToUtc, int Limit, (double X, double Y, double Radius)? Near = null);
