using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Resonance.Grains.Ledger;

/// <summary>
/// The canonical byte string a log leaf commits to (docs/ledger.md), version 1, all integers big-endian:
/// <code>
/// u8      version (1)
/// 16      event id (RFC 4122 byte order)
/// i64     timestamp, Unix microseconds, as the database stores it
/// u8 + n  space id, UTF-8
/// u8 + n  event type, UTF-8
/// 32      subject commitment: SHA-256("resonance/log/subject/v1" ‖ 0x00 ‖ space ‖ 0x00 ‖ subject id)
/// u8      presence bits: 1 = x, 2 = y, 4 = resonance
/// f64 ×k  the present ones in that order (IEEE 754 binary64)
/// 32      SHA-256 of the stored payload bytes (the AES-GCM ciphertext)
/// </code>
/// The payload enters only as the hash of its ciphertext, so crypto-shredding a subject leaves every leaf verifiable; the
/// subject enters only as a per-space commitment, so a published leaf names nobody (nor links one subject across spaces).
/// </summary>
public sealed record LeafInput
{
    public const byte Version = 1;
    private static readonly byte[] SubjectLabel = Encoding.UTF8.GetBytes("resonance/log/subject/v1");

    public required Guid EventId { get; init; }
    public required long TimestampMicros { get; init; }
    public required string Space { get; init; }
    public required string EventType { get; init; }
    public required byte[] SubjectCommitment { get; init; }
    public double? X { get; init; }
    public double? Y { get; init; }
    public double? Resonance { get; init; }
    public required byte[] PayloadHash { get; init; }

    public DateTime TimestampUtc => DateTime.UnixEpoch.AddTicks(TimestampMicros * 10);

    public static LeafInput Of(string space, SpaceEvent e, long timestampMicros, ReadOnlySpan<byte> storedPayload) => new()
    {
        EventId = e.EventId,
        TimestampMicros = timestampMicros,
        Space = space,
        EventType = e.EventType,
        SubjectCommitment = Subject(space, e.UserId),
        X = e.X,
        Y = e.Y,
        Resonance = e.Resonance,
        PayloadHash = SHA256.HashData(storedPayload),
    };

    public static byte[] Subject(string space, Guid subject)
    {
        var spaceBytes = Encoding.UTF8.GetBytes(space);
        var buffer = new byte[SubjectLabel.Length + 1 + spaceBytes.Length + 1 + 16];
        SubjectLabel.CopyTo(buffer, 0);
        spaceBytes.CopyTo(buffer, SubjectLabel.Length + 1);
        subject.TryWriteBytes(buffer.AsSpan(buffer.Length - 16), bigEndian: true, out _);
        return SHA256.HashData(buffer);
    }

    /// <summary>The event id of an encoded leaf input (bytes 1..16), without decoding the rest.</summary>
    public static Guid EventIdOf(ReadOnlySpan<byte> encoded) => new(encoded.Slice(1, 16), bigEndian: true);

    /// <summary>Unix microseconds of an instant, truncated as PostgreSQL's <c>timestamptz</c> stores it.</summary>
    public static long Micros(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public byte[] Encode()
    {
        var space = Encoding.UTF8.GetBytes(Space);
        var type = Encoding.UTF8.GetBytes(EventType);
        if (space.Length > 255 || type.Length > 255) throw new ArgumentException("Space and event type are at most 255 bytes.");
        if (SubjectCommitment.Length != 32 || PayloadHash.Length != 32) throw new ArgumentException("Hashes are 32 bytes.");
        int present = (X is null ? 0 : 1) + (Y is null ? 0 : 1) + (Resonance is null ? 0 : 1);
        var bytes = new byte[1 + 16 + 8 + 1 + space.Length + 1 + type.Length + 32 + 1 + 8 * present + 32];
        var w = bytes.AsSpan();
        w[0] = Version;
        EventId.TryWriteBytes(w.Slice(1, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(w.Slice(17, 8), TimestampMicros);
        int at = 25;
        w[at++] = (byte)space.Length;
        space.CopyTo(w[at..]);
        at += space.Length;
        w[at++] = (byte)type.Length;
        type.CopyTo(w[at..]);
        at += type.Length;
        SubjectCommitment.CopyTo(w[at..]);
        at += 32;
        w[at++] = (byte)((X is null ? 0 : 1) | (Y is null ? 0 : 2) | (Resonance is null ? 0 : 4));
        foreach (var v in new[] { X, Y, Resonance })
            if (v is { } d)
            {
                BinaryPrimitives.WriteDoubleBigEndian(w.Slice(at, 8), d);
                at += 8;
            }
        PayloadHash.CopyTo(w[at..]);
        return bytes;
    }

    /// <summary>Reads a version-1 leaf input; throws <see cref="FormatException"/> for anything else.</summary>
    public static LeafInput Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            if (bytes[0] != Version) throw new FormatException($"Unknown leaf input version {bytes[0]}.");
            var id = new Guid(bytes.Slice(1, 16), bigEndian: true);
            long micros = BinaryPrimitives.ReadInt64BigEndian(bytes.Slice(17, 8));
            int at = 25;
            int n = bytes[at++];
            string space = Encoding.UTF8.GetString(bytes.Slice(at, n));
            at += n;
            n = bytes[at++];
            string type = Encoding.UTF8.GetString(bytes.Slice(at, n));
            at += n;
            var subject = bytes.Slice(at, 32).ToArray();
            at += 32;
            byte flags = bytes[at++];
            var values = new double?[3];
            for (int bit = 0; bit < 3; bit++)
            {
                if ((flags & (1 << bit)) == 0) continue;
                values[bit] = BinaryPrimitives.ReadDoubleBigEndian(bytes.Slice(at, 8));
                at += 8;
            }
            double? x = values[0], y = values[1], r = values[2];
            var payload = bytes.Slice(at, 32).ToArray();
            if (at + 32 != bytes.Length) throw new FormatException("Trailing bytes after the leaf input.");
            return new LeafInput
            {
                EventId = id, TimestampMicros = micros, Space = space, EventType = type, SubjectCommitment = subject,
                X = x, Y = y, Resonance = r, PayloadHash = payload,
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new FormatException("The leaf input is truncated.");
        }
    }
}
