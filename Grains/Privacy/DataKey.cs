using System.Security.Cryptography;
using System.Text;

namespace Resonance.Grains.Privacy;

/// <summary>
/// One subject's unwrapped data key. <see cref="AesGcm"/> instances are not safe for concurrent use, so seal and open
/// take a lock (held for microseconds; the event writer is a single loop).
/// </summary>
public sealed class DataKey(Guid subject, byte[] key) : IDisposable
{
    public const int Size = 32;
    private readonly AesGcm _aes = new(key, PayloadCipher.TagSize);

    public Guid Subject { get; } = subject;

    /// <summary>Last use, for the cache's expiry (ticks of <see cref="Environment.TickCount64"/>).</summary>
    internal long LastUsed = Environment.TickCount64;

    public byte[] Seal(Guid record, string text)
    {
        Span<byte> aad = stackalloc byte[32];
        PayloadCipher.Bind(Subject, record, aad);
        var plaintext = Encoding.UTF8.GetBytes(text);
        LastUsed = Environment.TickCount64;
        lock (_aes) return PayloadCipher.Seal(_aes, plaintext, aad);
    }

    public string Open(Guid record, ReadOnlySpan<byte> sealedPayload)
    {
        Span<byte> aad = stackalloc byte[32];
        PayloadCipher.Bind(Subject, record, aad);
        LastUsed = Environment.TickCount64;
        byte[] plaintext;
        lock (_aes) plaintext = PayloadCipher.Open(_aes, sealedPayload, aad);
        return Encoding.UTF8.GetString(plaintext);
    }

    public void Dispose() => _aes.Dispose();
}
