namespace Resonance.Gateway.Protocol;

/// <summary>A client's input broke the protocol: answered with <c>error</c> {code, message, field}; nothing is applied.</summary>
public sealed class ProtocolException(string code, string message, string? field = null) : Exception(message)
{
    public string Code { get; } = code;
    public string? Field { get; } = field;
}
