namespace Resonance.Gateway.Protocol;

/// <summary>
/// Who streams a <c>harmonic_stream</c>: the gateway session, and the authenticated subject behind it (null when
/// anonymous). The default (no session) is a message parsed outside any session.
/// </summary>
public readonly record struct StreamOrigin(Guid? Session, Guid? Subject);
