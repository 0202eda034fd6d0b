using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Resonance.Gateway.Auth;

/// <summary>
/// Issues and checks the short-lived access tokens: JWTs signed with HMAC-SHA256 (Microsoft.IdentityModel), subject in
/// <c>sub</c>. The same <see cref="Parameters"/> serve the REST bearer scheme and the WebSocket checks.
/// </summary>
public sealed class AccessTokens
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly SigningCredentials _credentials;
    private readonly AuthOptions _options;

    public TokenValidationParameters Parameters { get; }

    public AccessTokens(AuthOptions options, AuthKeys keys)
    {
        _options = options;
        var key = new SymmetricSecurityKey(keys.Signing) { KeyId = "resonance-1" };
        _credentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
        Parameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = options.ClockSkew,
            NameClaimType = JwtRegisteredClaimNames.Sub,
        };
    }

    public TimeSpan Lifetime => _options.AccessTokenLifetime;

    public (string Token, DateTime ExpiresUtc) Issue(Guid subject)
    {
        var now = DateTime.UtcNow;
        var expires = now + _options.AccessTokenLifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, subject.ToString())]),
            SigningCredentials = _credentials,
        });
        return (token, expires);
    }

    /// <summary>The token's subject and expiry, or null with the reason when the token is not valid.</summary>
    public async Task<(Guid Subject, DateTime ExpiresUtc)?> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, Parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt) return null;
        return SubjectOf(jwt.Subject) is { } subject ? (subject, jwt.ValidTo) : null;
    }

    /// <summary>The subject of an authenticated request (REST bearer scheme), if any.</summary>
    public static Guid? SubjectOf(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true ? SubjectOf(user.FindFirst(JwtRegisteredClaimNames.Sub)?.Value) : null;

    private static Guid? SubjectOf(string? sub) => Guid.TryParse(sub, out var g) && g != Guid.Empty ? g : null;
}
