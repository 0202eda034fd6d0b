namespace Resonance.Grains.Privacy;

/// <summary>
/// Encryption at rest, bound from <c>Resonance:Privacy</c> (env: <c>Resonance__Privacy__MasterKeys__k1</c>, ...).
/// Master keys wrap the per-subject data keys; they never touch the database.
/// </summary>
public sealed class PrivacyOptions
{
    public const string Section = "Resonance:Privacy";

    /// <summary>Master keys by id, each 32 random bytes in base64. Keep every key still wrapping data until a rewrap has run.</summary>
    public Dictionary<string, string> MasterKeys { get; set; } = [];

    /// <summary>The id of the master key that wraps new data keys (and that a rewrap moves every data key to). Empty: the only configured key.</summary>
    public string? ActiveMasterKey { get; set; }

    /// <summary>
    /// Where a master key is generated once and kept when none is configured (the embedded default: next to its
    /// databases). Production configures <see cref="MasterKeys"/> from a secret instead.
    /// </summary>
    public string? MasterKeyFile { get; set; }

    /// <summary>Unwrapped data keys kept in memory (the most recently used subjects).</summary>
    public int DataKeyCacheSize { get; set; } = 100_000;

    /// <summary>An unwrapped data key unused for this long is dropped from memory.</summary>
    public TimeSpan DataKeyCacheTtl { get; set; } = TimeSpan.FromMinutes(10);
}
