using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Resonance.Tests.Gateway;

namespace Resonance.Tests.Security;

/// <summary>A gateway whose signing key the tests know, so they can mint expired, foreign and short-lived tokens.</summary>
public sealed class SecurityFixture : IAsyncLifetime
{
    public static readonly byte[] SigningKey = RandomNumberGenerator.GetBytes(32);
    public GatewayHost Host { get; private set; } = null!;
    public const string AllowedOrigin = "https://app.example";

    public async Task InitializeAsync() => Host = await GatewayHost.StartAsync(new Dictionary<string, string?>
    {
        ["Resonance:Auth:SigningKey"] = Convert.ToBase64String(SigningKey),
        ["Resonance:Auth:ClockSkew"] = "00:00:00",
        ["Resonance:Auth:IdentityRequestsPerMinute"] = "100000",
        ["Resonance:Gateway:AllowedOrigins:0"] = AllowedOrigin,
        ["Resonance:Gateway:MaxErrorsPerMinute"] = "100000",
    });

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>A token as the gateway would issue it, or with another key, issuer or lifetime.</summary>
    public static string Mint(Guid subject, DateTime expiresUtc, byte[]? key = null, string issuer = "resonance", DateTime? notBefore = null)
    {
        var now = DateTime.UtcNow;
        var nbf = notBefore ?? (expiresUtc < now ? expiresUtc.AddMinutes(-10) : now);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = "resonance",
            IssuedAt = nbf,
            NotBefore = nbf,
            Expires = expiresUtc,
            Subject = new ClaimsIdentity([new Claim("sub", subject.ToString())]),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }
}
