using Orleans.Concurrency;

namespace Resonance.Grains.Ledger;

/// <summary>Answers the signing key's public half on whichever silo is asked.</summary>
[StatelessWorker]
public sealed class LogKeyGrain(CheckpointSigner signer) : Grain, ILogKeyGrain
{
    public Task<LogPublicKey> GetPublicKey() => Task.FromResult(new LogPublicKey
    {
        KeyId = signer.KeyId,
        Algorithm = CheckpointSigner.Algorithm,
        PublicKey = signer.PublicKey,
        Pem = signer.PublicKeyPem,
    });
}
