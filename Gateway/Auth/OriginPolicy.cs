namespace Resonance.Gateway.Auth;

/// <summary>
/// Which pages may open a WebSocket (browsers send <c>Origin</c>; a hostile page cannot forge it): requests without an
/// Origin (native apps, tools), the server's own origin, and the configured <c>Resonance:Gateway:AllowedOrigins</c>
/// (exact <c>scheme://host[:port]</c> values, or <c>*</c> for any).
/// </summary>
public static class OriginPolicy
{
    public static bool Allows(HttpRequest request, IReadOnlyCollection<string> allowed)
    {
        var origin = request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin)) return true;
        if (allowed.Contains("*")) return true;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)) return false;
        var normalised = uri.GetLeftPart(UriPartial.Authority);
        // The page this server serves itself (the viewer at /): same scheme and host as the upgrade request.
        var own = $"{request.Scheme}://{request.Host.Value}";
        if (string.Equals(normalised, own, StringComparison.OrdinalIgnoreCase)) return true;
        foreach (var a in allowed)
            if (Uri.TryCreate(a, UriKind.Absolute, out var au) && string.Equals(au.GetLeftPart(UriPartial.Authority), normalised, StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }
}
