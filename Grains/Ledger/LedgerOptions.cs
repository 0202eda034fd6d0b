namespace Resonance.Grains.Ledger;

/// <summary>The tamper-evident event log, bound from <c>Resonance:Log</c> (env: <c>Resonance__Log__SigningKey</c>, ...).</summary>
public sealed class LedgerOptions
{
    public const string Section = "Resonance:Log";

    /// <summary>
    /// The ECDSA P-256 private key that signs checkpoints: PEM (<c>-----BEGIN PRIVATE KEY-----</c> or <c>EC PRIVATE KEY</c>)
    /// or base64 of its PKCS#8 DER. Every silo of a cluster needs the same one. Empty: a key generated once into
    /// <see cref="SigningKeyFile"/>.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>Where the generated key is kept; empty = <c>log-signing-key.pem</c> next to the events database.</summary>
    public string? SigningKeyFile { get; set; }
}
