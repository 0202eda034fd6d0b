using System.Security.Cryptography;
using System.Text;

namespace Resonance.Tests.Ledger;

/// <summary>
/// A verifier written from RFC 9162 §2.1.3.2 and §2.1.4.2 and docs/ledger.md alone, with its own hashing: it uses none of
/// the server's classes, so a bug shared by the server's tree and its checks cannot hide.
/// </summary>
public static class IndependentVerifier
{
    public static byte[] LeafHash(byte[] leafInput) => SHA256.HashData([0x00, .. leafInput]);

    private static byte[] Node(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);

    public static bool VerifyInclusion(long leafIndex, long treeSize, byte[] leafInput, IReadOnlyList<byte[]> path, byte[] root)
    {
        if (leafIndex < 0 || leafIndex >= treeSize) return false;
        long fn = leafIndex, sn = treeSize - 1;
        var r = LeafHash(leafInput);
        foreach (var p in path)
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = Node(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = Node(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    public static bool VerifyConsistency(long first, long second, byte[] firstRoot, byte[] secondRoot, IReadOnlyList<byte[]> proof)
    {
        if (first < 0 || first > second) return false;
        if (first == second) return proof.Count == 0 && firstRoot.AsSpan().SequenceEqual(secondRoot);
        if (first == 0) return proof.Count == 0;
        if (proof.Count == 0) return false;
        var path = new List<byte[]>(proof);
        if ((first & (first - 1)) == 0) path.Insert(0, firstRoot);
        long fn = first - 1, sn = second - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path[0], sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = Node(c, fr);
                sr = Node(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = Node(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return fr.AsSpan().SequenceEqual(firstRoot) && sr.AsSpan().SequenceEqual(secondRoot) && sn == 0;
    }

    /// <summary>The checkpoint signature over the documented five lines, with the published SubjectPublicKeyInfo.</summary>
    public static bool VerifyCheckpoint(byte[] publicKey, string space, long treeSize, byte[] root, long timestamp, byte[] signature)
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(publicKey, out _);
        var text = $"resonance.log.checkpoint.v1\n{space}\n{treeSize}\n{Convert.ToBase64String(root)}\n{timestamp}\n";
        return key.VerifyData(Encoding.UTF8.GetBytes(text), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>The event id at the start of a version-1 leaf input (after the version byte, RFC 4122 order).</summary>
    public static Guid EventIdOf(byte[] leafInput) => new(leafInput.AsSpan(1, 16), bigEndian: true);

    /// <summary>The last 32 bytes of a leaf input: SHA-256 of the stored payload.</summary>
    public static byte[] PayloadHashOf(byte[] leafInput) => leafInput[^32..];
}
