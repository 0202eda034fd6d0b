using System.Security.Cryptography;

namespace Resonance.Gateway.Auth;

/// <summary>
/// Opaque refresh tokens: <c>rt1.</c> + base64url(family id (16 bytes) || 32 random bytes). The family id tells which
/// grain holds the chain; only the SHA-256 of the whole token body is stored.
/// </summary>
public static class RefreshTokens
{
    private const string Prefix = "rt1.";

    public static (string Token, byte[] Hash) New(Guid family)
    {
        Span<byte> body = stackalloc byte[48];
        family.TryWriteBytes(body);
        RandomNumberGenerator.Fill(body[16..]);
        return (Prefix + Base64Url(body), SHA256.HashData(body));
    }

    /// <summary>The family and hash of a well-formed token; false for anything else.</summary>
    public static bool TryParse(string? token, out Guid family, out byte[] hash)
    {
        family = Guid.Empty;
        hash = [];
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 128) return false;
        byte[] body;
        try
        {
            var s = token[Prefix.Length..].Replace('-', '+').Replace('_', '/');
            body = Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
        }
        catch (FormatException)
        {
            return false;
        }
        if (body.Length != 48) return false;
        family = new Guid(body.AsSpan(0, 16));
        hash = SHA256.HashData(body);
        return family != Guid.Empty;
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
