using System.Security.Cryptography;
using System.Text;

namespace Resonance.Gateway.Auth;

/// <summary>
/// Per-space public ids: HMAC-SHA256(pseudonym key, space || subject), the first 16 bytes rendered as a GUID (version
/// nibble set, so it looks like any other id). The same subject has unrelated ids in different spaces, and without the
/// key an id cannot be linked back to its subject. A participant's node id in a space is its pseudonym, so everything
/// others see (pairs, notices, listings) already carries it; the pseudonym is computed when a session opens, never on
/// the fan-out path.
/// </summary>
public sealed class Pseudonyms(AuthKeys keys)
{
    private readonly byte[] _key = keys.Pseudonym;

    /// <summary>
    /// Whether an id has the form of a public id (UUID version 8, as <see cref="Of"/> makes them). Client-chosen memory ids
    /// may not: a memory node with a participant's public id would take that participant's node grain.
    /// </summary>
    public static bool IsPublicIdForm(Guid id) => id.Version == 8;

    public Guid Of(string space, Guid subject)
    {
        int spaceBytes = Encoding.UTF8.GetByteCount(space);
        Span<byte> input = stackalloc byte[spaceBytes + 1 + 16];
        Encoding.UTF8.GetBytes(space, input);
        // A separator no space id contains (ids are [a-z0-9-]), so (space, subject) pairs never collide.
        input[spaceBytes] = 0;
        subject.TryWriteBytes(input[(spaceBytes + 1)..]);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, input, mac);
        var bytes = mac[..16];
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80); // version 8 (custom), in Guid's little-endian layout
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }
}
