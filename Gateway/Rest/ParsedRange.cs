namespace Resonance.Gateway.Rest;

/// <summary>A validated <c>from</c>/<c>to</c> query (UTC), or the error answer when it was invalid.</summary>
internal readonly record struct ParsedRange(DateTime From, DateTime To, IResult? Error);
