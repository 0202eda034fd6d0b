namespace Resonance.Grains;

/// <summary>
/// One chain of refresh tokens issued to a subject (key: the family id, carried inside every token of the family). Only
/// the SHA-256 hash of the current token is stored; a token of the family that is not the current one has been used
/// already, so presenting it revokes the whole family (a stolen token and its thief's successor both stop working).
/// </summary>
public interface IRefreshTokenFamilyGrain : IGrainWithGuidKey
{
    /// <summary>Starts the family with its first token's hash; returns after the state is durable.</summary>
    Task Start(Guid subject, byte[] tokenHash, DateTime expiresUtc);

    /// <summary>
    /// Replaces the current token by <paramref name="nextHash"/> when <paramref name="presentedHash"/> is the current one
    /// (durable before it answers). Any other hash of a known family revokes the family.
    /// </summary>
    Task<RefreshOutcome> Rotate(byte[] presentedHash, byte[] nextHash, DateTime nextExpiresUtc);

    /// <summary>Revokes every token of the family (durable before it answers).</summary>
    Task Revoke();
}

public enum RefreshStatus
{
    /// <summary>The token was current: the family moved on to the next token.</summary>
    Rotated = 0,
    /// <summary>No such family.</summary>
    Unknown = 1,
    /// <summary>The family was revoked before (by reuse or on request).</summary>
    Revoked = 2,
    /// <summary>An old token of the family was presented again: the family is revoked now.</summary>
    ReuseDetected = 3,
    /// <summary>The current token's lifetime is over.</summary>
    Expired = 4,
}

[GenerateSerializer, Immutable, Alias("resonance.refresh-outcome")]
public sealed record RefreshOutcome([property: Id(0)] RefreshStatus Status, [property: Id(1)] Guid Subject);
