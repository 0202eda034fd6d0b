namespace Resonance.Gateway.Auth;

/// <summary>Identity and token settings, bound from <c>Resonance:Auth</c> (env: <c>Resonance__Auth__...</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Resonance:Auth";

    /// <summary>
    /// A WebSocket client without a token connects as a fresh anonymous participant (the existing app). Off in the
    /// production manifests: there every connection needs a token.
    /// </summary>
    public bool AllowAnonymous { get; set; } = true;

    /// <summary>
    /// HMAC-SHA256 key that signs access tokens, base64 (at least 32 bytes). Empty: the gateway generates one once and
    /// keeps it in its data directory (<c>keys/signing.key</c>). Several gateways must share one from configuration.
    /// </summary>
    public string SigningKey { get; set; } = "";

    /// <summary>
    /// Secret of the per-space pseudonyms (HMAC-SHA256 of space and subject), base64 (at least 32 bytes). Empty: generated
    /// once in the data directory (<c>keys/pseudonym.key</c>). Several gateways must share one from configuration.
    /// </summary>
    public string PseudonymKey { get; set; } = "";

    public string Issuer { get; set; } = "resonance";
    public string Audience { get; set; } = "resonance";

    /// <summary>Lifetime of an access token (a JWT; renewed with the refresh token).</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a refresh token stays usable; each rotation starts this period again.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Tolerated clock difference when checking a token's lifetime.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>POST /api/identities</c> and <c>/refresh</c> requests per minute and client address.</summary>
    public int IdentityRequestsPerMinute { get; set; } = 30;
}
