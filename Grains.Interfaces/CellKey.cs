using System.Globalization;
using System.Text.RegularExpressions;

namespace Resonance.Grains;

/// <summary>Keys of cell grains: <c>"{space}/{cx}/{cy}"</c>.</summary>
public static partial class CellKey
{
    public static string Format(string space, int cx, int cy) =>
        string.Create(CultureInfo.InvariantCulture, $"{space}/{cx}/{cy}");

    public static (string Space, int Cx, int Cy) Parse(string key)
    {
        var parts = key.Split('/');
        if (parts.Length != 3 || !SpaceId.IsValid(parts[0])
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var cx)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var cy))
            throw new ArgumentException($"'{key}' is not a cell key (expected space/cx/cy).", nameof(key));
        return (parts[0], cx, cy);
    }
}

/// <summary>Space ids: <c>[a-z0-9-]{1,64}</c>.</summary>
public static partial class SpaceId
{
    public const string Default = "global";

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    [GeneratedRegex("^[a-z0-9-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
