using System.Globalization;
using Resonance.Gateway.Protocol;

namespace Resonance.Gateway.Rest;

/// <summary>The event log endpoints' query parameters as pure functions (tested and fuzzed without HTTP).</summary>
public static class LogValidation
{
    /// <summary>A required <c>eventId</c> (a GUID) and an optional <c>treeSize</c>.</summary>
    public static RestError? Proof(IQueryCollection query, out Guid eventId, out long? treeSize)
    {
        eventId = Guid.Empty;
        treeSize = null;
        if (query["eventId"].FirstOrDefault() is not { } text || text.Length == 0)
            return new RestError(400, ErrorCodes.MissingField, "'eventId' is required.", "eventId");
        if (!Guid.TryParse(text, out eventId))
            return new RestError(400, ErrorCodes.InvalidValue, "'eventId' must be a UUID.", "eventId");
        return Size(query, "treeSize", required: false, out treeSize);
    }

    /// <summary>A required <c>from</c> and an optional <c>to</c> (default: the current size), from &lt;= to.</summary>
    public static RestError? Consistency(IQueryCollection query, out long from, out long? to)
    {
        from = 0;
        if (Size(query, "from", required: true, out long? first) is { } badFrom)
        {
            to = null;
            return badFrom;
        }
        from = first!.Value;
        if (Size(query, "to", required: false, out to) is { } badTo) return badTo;
        if (to is { } second && from > second)
            return new RestError(400, ErrorCodes.OutOfRange, $"'from' ({from}) must not exceed 'to' ({second}).", "from");
        return null;
    }

    /// <summary>A tree size: a non-negative integer.</summary>
    private static RestError? Size(IQueryCollection query, string name, bool required, out long? value)
    {
        value = null;
        if (query[name].FirstOrDefault() is not { } text || text.Length == 0)
            return required ? new RestError(400, ErrorCodes.MissingField, $"'{name}' is required.", name) : null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long v))
            return new RestError(400, text.StartsWith('-') ? ErrorCodes.OutOfRange : ErrorCodes.InvalidType,
                $"'{name}' must be a non-negative integer (a tree size).", name);
        value = v;
        return null;
    }
}
