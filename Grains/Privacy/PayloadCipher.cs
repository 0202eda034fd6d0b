using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Resonance.Grains.Privacy;

/// <summary>
/// The sealed form of a personal payload: <c>version (1) | nonce (12) | tag (16) | ciphertext</c>, AES-256-GCM with a
/// random nonce. The associated data binds a ciphertext to the row it belongs to (subject and record id), so a payload
/// copied into another row does not open. Pure functions over a caller's <see cref="AesGcm"/>.
/// </summary>
public static class PayloadCipher
{
    public const byte Version = 1;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int HeaderSize = 1 + NonceSize + TagSize;

    /// <summary>The associated data of a record: the subject's id then the record's id (32 bytes).</summary>
    public static void Bind(Guid subject, Guid record, Span<byte> aad)
    {
        subject.TryWriteBytes(aad[..16]);
        record.TryWriteBytes(aad[16..32]);
    }

    public static byte[] Seal(AesGcm aes, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aad)
    {
        var sealedPayload = new byte[HeaderSize + plaintext.Length];
        sealedPayload[0] = Version;
        var nonce = sealedPayload.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        aes.Encrypt(nonce, plaintext, sealedPayload.AsSpan(HeaderSize), sealedPayload.AsSpan(1 + NonceSize, TagSize), aad);
        return sealedPayload;
    }

    /// <summary>The plaintext; throws <see cref="CryptographicException"/> when the payload was not sealed by this key for this row.</summary>
    public static byte[] Open(AesGcm aes, ReadOnlySpan<byte> sealedPayload, ReadOnlySpan<byte> aad)
    {
        if (sealedPayload.Length < HeaderSize || sealedPayload[0] != Version)
            throw new CryptographicException($"Not a sealed payload of version {Version}.");
        var plaintext = new byte[sealedPayload.Length - HeaderSize];
        aes.Decrypt(sealedPayload.Slice(1, NonceSize), sealedPayload[HeaderSize..], sealedPayload.Slice(1 + NonceSize, TagSize), plaintext, aad);
        return plaintext;
    }

    /// <summary>Associated data for a wrapped data key: the subject and the wrapping master key's id.</summary>
    public static byte[] WrapBinding(Guid subject, string masterKeyId)
    {
        var id = System.Text.Encoding.UTF8.GetBytes(masterKeyId);
        var aad = new byte[16 + 4 + id.Length];
        subject.TryWriteBytes(aad);
        BinaryPrimitives.WriteInt32LittleEndian(aad.AsSpan(16), id.Length);
        id.CopyTo(aad, 20);
        return aad;
    }
}
