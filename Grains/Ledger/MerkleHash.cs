using System.Security.Cryptography;

namespace Resonance.Grains.Ledger;

/// <summary>
/// RFC 6962 / RFC 9162 (section 2.1.1) hashing: a leaf is SHA-256(0x00 ‖ leaf input), an interior node
/// SHA-256(0x01 ‖ left ‖ right), the empty tree SHA-256 of nothing. The prefixes keep a leaf from passing for a node.
/// </summary>
public static class MerkleHash
{
    public const int Size = 32;

    public static byte[] Empty { get; } = SHA256.HashData([]);

    public static byte[] Leaf(ReadOnlySpan<byte> leafInput)
    {
        var hash = new byte[Size];
        Leaf(leafInput, hash);
        return hash;
    }

    public static void Leaf(ReadOnlySpan<byte> leafInput, Span<byte> destination)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([0x00]);
        sha.AppendData(leafInput);
        sha.GetHashAndReset(destination);
    }

    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[Size];
        Node(left, right, hash);
        return hash;
    }

    public static void Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        // 65 bytes on the stack: no allocation per node on the append path.
        Span<byte> buffer = stackalloc byte[1 + 2 * Size];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + Size)..]);
        SHA256.HashData(buffer, destination);
    }
}
