using System.Text.Json;

namespace Resonance.Gateway.Protocol;

/// <summary>
/// Typed, validated access to the fields of one JSON message. Every accessor throws <see cref="ProtocolException"/>
/// with the precise code and the field's name, so the caller validates everything before applying anything.
/// </summary>
public readonly struct MessageFields(JsonElement root)
{
    public JsonElement Root => root;

    public bool Has(string name) => root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public double RequiredDouble(string name, double min, double max, bool maxExclusive = false) =>
        OptionalDouble(name, min, max, maxExclusive) ?? throw new ProtocolException(ErrorCodes.MissingField, $"'{name}' is required.", name);

    public double? OptionalDouble(string name, double min, double max, bool maxExclusive = false)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number)
            throw new ProtocolException(ErrorCodes.InvalidType, $"'{name}' must be a number, got {Kind(v)}.", name);
        // TryGetDouble fails for numbers beyond the double range (1e400 parses to infinity).
        if (!v.TryGetDouble(out double d) || !double.IsFinite(d))
            throw new ProtocolException(ErrorCodes.NotFinite, $"'{name}' must be a finite number.", name);
        if (d < min || d > max || (maxExclusive && d >= max))
            throw new ProtocolException(ErrorCodes.OutOfRange, $"'{name}' = {d} is outside [{min}, {max}{(maxExclusive ? ")" : "]")}.", name);
        return d;
    }

    public int? OptionalInt(string name, int min, int max)
    {
        var d = OptionalDouble(name, min, max);
        if (d is null) return null;
        if (d != Math.Floor(d.Value)) throw new ProtocolException(ErrorCodes.InvalidType, $"'{name}' must be an integer.", name);
        return (int)d.Value;
    }

    public string RequiredString(string name, int maxLength, int minLength = 1) =>
        OptionalString(name, maxLength, minLength) ?? throw new ProtocolException(ErrorCodes.MissingField, $"'{name}' is required.", name);

    public string? OptionalString(string name, int maxLength, int minLength = 1)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String)
            throw new ProtocolException(ErrorCodes.InvalidType, $"'{name}' must be a string, got {Kind(v)}.", name);
        var s = Text(v, name);
        if (s.Length > maxLength || s.Length < minLength)
            throw new ProtocolException(ErrorCodes.StringTooLong, $"'{name}' must have {minLength}..{maxLength} characters, got {s.Length}.", name);
        return s;
    }

    /// <summary>One of <paramref name="allowed"/>, as that very instance (no string is made per message for a known value).</summary>
    public string? OptionalEnum(string name, IReadOnlyCollection<string> allowed)
    {
        if (root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String)
        {
            try
            {
                foreach (var candidate in allowed)
                    if (v.ValueEquals(candidate)) return candidate;
            }
            catch (InvalidOperationException)
            {
                // An escape that is no text (an unpaired surrogate): OptionalString below answers it with its code.
            }
        }
        var s = OptionalString(name, 32);
        if (s is not null && !allowed.Contains(s))
            throw new ProtocolException(ErrorCodes.InvalidValue, $"'{name}' must be one of {string.Join(", ", allowed)}.", name);
        return s;
    }

    public Guid RequiredGuid(string name) =>
        OptionalGuid(name) ?? throw new ProtocolException(ErrorCodes.MissingField, $"'{name}' is required.", name);

    public Guid? OptionalGuid(string name)
    {
        var s = OptionalString(name, 64);
        if (s is null) return null;
        if (!Guid.TryParse(s, out var g) || g == Guid.Empty)
            throw new ProtocolException(ErrorCodes.InvalidValue, $"'{name}' must be a node id (GUID).", name);
        return g;
    }

    public bool? OptionalBool(string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw new ProtocolException(ErrorCodes.InvalidType, $"'{name}' must be true or false, got {Kind(v)}.", name);
        return v.GetBoolean();
    }

    public JsonElement RequiredObject(string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            throw new ProtocolException(ErrorCodes.MissingField, $"'{name}' is required.", name);
        if (v.ValueKind != JsonValueKind.Object)
            throw new ProtocolException(ErrorCodes.InvalidType, $"'{name}' must be an object, got {Kind(v)}.", name);
        RequireValidText(v, name);
        return v;
    }

    /// <summary>
    /// A string's value. JSON may escape an unpaired UTF-16 surrogate (<c>"\ud800"</c>), which is no text at all:
    /// System.Text.Json refuses to decode it (InvalidOperationException), so it is answered as an invalid value.
    /// </summary>
    public static string Text(JsonElement v, string name)
    {
        try
        {
            return v.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new ProtocolException(ErrorCodes.InvalidValue, $"'{name}' holds an unpaired surrogate escape (not Unicode text).", name);
        }
    }

    /// <summary>Every string and property name inside <paramref name="v"/> decodes (see <see cref="Text"/>); stored JSON is then re-readable.</summary>
    public static void RequireValidText(JsonElement v, string name)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.String:
                Text(v, name);
                break;
            case JsonValueKind.Array:
                foreach (var item in v.EnumerateArray()) RequireValidText(item, name);
                break;
            case JsonValueKind.Object:
                foreach (var property in v.EnumerateObject())
                {
                    try
                    {
                        _ = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        throw new ProtocolException(ErrorCodes.InvalidValue, $"'{name}' holds a property name with an unpaired surrogate escape.", name);
                    }
                    RequireValidText(property.Value, name);
                }
                break;
        }
    }

    private static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
