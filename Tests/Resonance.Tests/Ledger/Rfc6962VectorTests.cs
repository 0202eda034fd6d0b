using Resonance.Grains.Ledger;

namespace Resonance.Tests.Ledger;

/// <summary>
/// The server's tree against the RFC 6962 reference test vectors (the inputs and answers published with the reference
/// implementation and reused by certificate-transparency-go and trillian), and the independent verifier against the same
/// answers, so both sides are pinned to the standard rather than to each other.
/// </summary>
public sealed class Rfc6962VectorTests
{
    private static readonly byte[][] Inputs = [.. new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }
        .Select(Convert.FromHexString)];

    private static readonly string[] Roots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    // (0-based leaf index, tree size, audit path); the published vectors count leaves from 1.
    public static TheoryData<long, long, string[]> Inclusions => new()
    {
        { 0, 1, [] },
        { 0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
        { 1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    public static TheoryData<long, long, string[]> Consistencies => new()
    {
        { 1, 1, [] },
        { 1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    private static MerkleTree Tree()
    {
        var tree = new MerkleTree();
        foreach (var input in Inputs) tree.AppendLeaf(input);
        return tree;
    }

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    [Fact]
    public void Roots_of_every_size_match_the_reference()
    {
        var tree = new MerkleTree();
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hex(tree.RootHash()));
        for (int n = 0; n < Inputs.Length; n++)
        {
            tree.AppendLeaf(Inputs[n]);
            Assert.Equal(Roots[n], Hex(tree.RootHash()));
        }
        // Earlier sizes stay answerable after later appends.
        for (int n = 1; n <= Inputs.Length; n++) Assert.Equal(Roots[n - 1], Hex(tree.RootHash(n)));
    }

    [Theory]
    [MemberData(nameof(Inclusions))]
    public void Inclusion_proofs_match_the_reference_and_verify_independently(long index, long size, string[] path)
    {
        var proof = Tree().InclusionProof(index, size);
        Assert.Equal(path, proof.Select(Hex));
        var root = Convert.FromHexString(Roots[size - 1]);
        Assert.True(IndependentVerifier.VerifyInclusion(index, size, Inputs[index], proof, root));
        // Any other leaf, or a flipped bit anywhere in the path, fails.
        Assert.False(IndependentVerifier.VerifyInclusion(index, size, [.. Inputs[index], 0x00], proof, root));
        for (int k = 0; k < proof.Count; k++)
        {
            var bad = proof.Select(h => h.ToArray()).ToList();
            bad[k][0] ^= 1;
            Assert.False(IndependentVerifier.VerifyInclusion(index, size, Inputs[index], bad, root));
        }
    }

    [Theory]
    [MemberData(nameof(Consistencies))]
    public void Consistency_proofs_match_the_reference_and_verify_independently(long from, long to, string[] expected)
    {
        var proof = Tree().ConsistencyProof(from, to);
        Assert.Equal(expected, proof.Select(Hex));
        var first = Convert.FromHexString(Roots[from - 1]);
        var second = Convert.FromHexString(Roots[to - 1]);
        Assert.True(IndependentVerifier.VerifyConsistency(from, to, first, second, proof));
        if (from < to)
        {
            // A different old root (a rewritten history) does not verify.
            var rewritten = first.ToArray();
            rewritten[^1] ^= 1;
            Assert.False(IndependentVerifier.VerifyConsistency(from, to, rewritten, second, proof));
        }
    }

    [Fact]
    public void Every_proof_of_larger_trees_verifies_independently()
    {
        // Sizes around powers of two exercise the right-edge subtrees.
        var tree = new MerkleTree();
        var inputs = Enumerable.Range(0, 70).Select(k => BitConverter.GetBytes(k * 7919)).ToArray();
        var roots = new List<byte[]> { tree.RootHash() };
        foreach (var input in inputs)
        {
            tree.AppendLeaf(input);
            roots.Add(tree.RootHash());
        }
        for (int size = 1; size <= inputs.Length; size++)
        {
            for (int i = 0; i < size; i++)
                Assert.True(IndependentVerifier.VerifyInclusion(i, size, inputs[i], tree.InclusionProof(i, size), roots[size]), $"leaf {i} of {size}");
            for (int m = 0; m <= size; m++)
                Assert.True(IndependentVerifier.VerifyConsistency(m, size, roots[m], roots[size], tree.ConsistencyProof(m, size)), $"{m} -> {size}");
        }
    }
}
