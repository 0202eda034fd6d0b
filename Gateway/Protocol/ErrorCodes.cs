namespace Resonance.Gateway.Protocol;

/// <summary>The stable error codes of the protocol (docs/protocol.md lists them; clients switch on them).</summary>
public static class ErrorCodes
{
    public const string InvalidJson = "invalid_json";
    public const string MessageTooLarge = "message_too_large";
    public const string TooDeep = "too_deep";
    public const string BinaryNotSupported = "binary_not_supported";
    public const string MissingType = "missing_type";
    public const string UnknownType = "unknown_type";
    public const string MissingField = "missing_field";
    public const string InvalidType = "invalid_type";
    public const string NotFinite = "not_finite";
    public const string OutOfRange = "out_of_range";
    public const string StringTooLong = "string_too_long";
    public const string InvalidValue = "invalid_value";
    public const string NotJoined = "not_joined";
    public const string NotFound = "not_found";
    public const string Forbidden = "forbidden";
    public const string Unavailable = "unavailable";
    public const string RateLimited = "rate_limited";
    /// <summary>A message was begun but not finished within the message timeout (the session is then closed with 1008).</summary>
    public const string MessageTimeout = "message_timeout";
    /// <summary>A token that is missing, malformed, wrongly signed or expired.</summary>
    public const string Unauthorized = "unauthorized";

    public static readonly string[] All =
    [
        InvalidJson, MessageTooLarge, TooDeep, BinaryNotSupported, MissingType, UnknownType, MissingField, InvalidType,
        NotFinite, OutOfRange, StringTooLong, InvalidValue, NotJoined, NotFound, Forbidden, Unavailable, RateLimited, Unauthorized, MessageTimeout,
    ];
}
