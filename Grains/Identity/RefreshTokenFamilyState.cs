namespace Resonance.Grains.Identity;

/// <summary>Persisted state of a refresh-token family: never a token, only the current one's hash.</summary>
[GenerateSerializer, Alias("resonance.refresh-family-state")]
public sealed class RefreshTokenFamilyState
{
    [Id(0)] public Guid Subject { get; set; }
    [Id(1)] public byte[]? CurrentHash { get; set; }
    [Id(2)] public DateTime ExpiresUtc { get; set; }
    [Id(3)] public bool Revoked { get; set; }
    /// <summary>How many times the family rotated (for logs and tests).</summary>
    [Id(4)] public int Generation { get; set; }
}
