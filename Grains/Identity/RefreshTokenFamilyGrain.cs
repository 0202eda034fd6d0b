using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Resonance.Grains.Hosting;

namespace Resonance.Grains.Identity;

/// <summary>
/// Keeps one refresh-token family in the grain storage (ADO.NET), so rotation and revocation survive restarts. Calls are
/// not interleaved: two refreshes racing with the same token are serialised, and the second is a reuse.
/// </summary>
public sealed partial class RefreshTokenFamilyGrain(
    [PersistentState("refresh", ResonanceStorage.Name)] IPersistentState<RefreshTokenFamilyState> state,
    ILogger<RefreshTokenFamilyGrain> logger) : Grain, IRefreshTokenFamilyGrain
{
    public async Task Start(Guid subject, byte[] tokenHash, DateTime expiresUtc)
    {
        if (tokenHash is not { Length: 32 }) throw new ArgumentException("A refresh token hash is 32 bytes (SHA-256).");
        if (state.RecordExists) throw new InvalidOperationException($"Refresh-token family {this.GetPrimaryKey()} exists already.");
        state.State = new RefreshTokenFamilyState { Subject = subject, CurrentHash = tokenHash, ExpiresUtc = expiresUtc };
        await state.WriteStateAsync();
    }

    public async Task<RefreshOutcome> Rotate(byte[] presentedHash, byte[] nextHash, DateTime nextExpiresUtc)
    {
        if (presentedHash is not { Length: 32 } || nextHash is not { Length: 32 }) throw new ArgumentException("A refresh token hash is 32 bytes (SHA-256).");
        var s = state.State;
        if (!state.RecordExists || s.CurrentHash is null) return new RefreshOutcome(RefreshStatus.Unknown, Guid.Empty);
        if (s.Revoked) return new RefreshOutcome(RefreshStatus.Revoked, s.Subject);
        if (!CryptographicOperations.FixedTimeEquals(presentedHash, s.CurrentHash))
        {
            s.Revoked = true;
            await state.WriteStateAsync();
            LogReuse(this.GetPrimaryKey(), s.Subject, s.Generation);
            return new RefreshOutcome(RefreshStatus.ReuseDetected, s.Subject);
        }
        if (DateTime.UtcNow >= s.ExpiresUtc) return new RefreshOutcome(RefreshStatus.Expired, s.Subject);
        var (hash, expires) = (s.CurrentHash, s.ExpiresUtc);
        s.CurrentHash = nextHash;
        s.ExpiresUtc = nextExpiresUtc;
        s.Generation++;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not durable: the presented token stays the current one, so the client's retry is not taken for a reuse.
            (s.CurrentHash, s.ExpiresUtc) = (hash, expires);
            s.Generation--;
            throw;
        }
        return new RefreshOutcome(RefreshStatus.Rotated, s.Subject);
    }

    public async Task Revoke()
    {
        if (!state.RecordExists || state.State.Revoked) return;
        state.State.Revoked = true;
        await state.WriteStateAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refresh token reuse in family {Family} of subject {Subject} (generation {Generation}); family revoked")]
    private partial void LogReuse(Guid family, Guid subject, int generation);
}
