namespace Resonance.Grains.Ledger;

/// <summary>
/// An append-only RFC 9162 Merkle tree kept in memory as the hashes of every complete, aligned subtree: level 0 holds the
/// leaf hashes, level j the hashes of the complete subtrees of 2^j leaves. That is about 2 × 32 bytes per leaf, an append
/// costs one hash amortised, and any subtree the RFC's algorithms ask for is a lookup or, at the right edge, a fold of
/// at most log2(n) lookups. Roots, inclusion proofs (RFC 9162 §2.1.3) and consistency proofs (§2.1.4) are computed for
/// any earlier size as well as the current one. Pure logic: no I/O, no Orleans.
/// </summary>
public sealed class MerkleTree
{
    private readonly List<HashLevel> _levels = [new HashLevel()];

    public long Size => _levels[0].Count;

    /// <summary>Appends a leaf by its hash (<see cref="MerkleHash.Leaf(ReadOnlySpan{byte})"/>).</summary>
    public void AppendLeafHash(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleHash.Size) throw new ArgumentException("A leaf hash is 32 bytes.", nameof(leafHash));
        _levels[0].Add(leafHash);
        // Every time a level gets an even count, its last two hashes complete a subtree one level up.
        Span<byte> parent = stackalloc byte[MerkleHash.Size];
        for (int level = 0; _levels[level].Count % 2 == 0; level++)
        {
            var l = _levels[level];
            MerkleHash.Node(l[l.Count - 2], l[l.Count - 1], parent);
            if (level + 1 == _levels.Count) _levels.Add(new HashLevel());
            _levels[level + 1].Add(parent);
        }
    }

    public void AppendLeaf(ReadOnlySpan<byte> leafInput)
    {
        Span<byte> hash = stackalloc byte[MerkleHash.Size];
        MerkleHash.Leaf(leafInput, hash);
        AppendLeafHash(hash);
    }

    /// <summary>The hash of leaf <paramref name="index"/>.</summary>
    public byte[] LeafHash(long index)
    {
        if (index < 0 || index >= Size) throw new ArgumentOutOfRangeException(nameof(index));
        return _levels[0][index].ToArray();
    }

    /// <summary>MTH of the first <paramref name="size"/> leaves (the root of the tree as it was at that size).</summary>
    public byte[] RootHash(long size)
    {
        CheckSize(size);
        return size == 0 ? MerkleHash.Empty.ToArray() : Subtree(0, size);
    }

    public byte[] RootHash() => RootHash(Size);

    /// <summary>The audit path of leaf <paramref name="index"/> in the tree of <paramref name="size"/> leaves, leaf side first.</summary>
    public List<byte[]> InclusionProof(long index, long size)
    {
        CheckSize(size);
        if (index < 0 || index >= size) throw new ArgumentOutOfRangeException(nameof(index), "The leaf is not in a tree of that size.");
        var path = new List<byte[]>();
        Path(index, 0, size, path);
        return path;
    }

    /// <summary>The consistency proof between the trees of <paramref name="from"/> and <paramref name="to"/> leaves (empty when from is 0 or equals to).</summary>
    public List<byte[]> ConsistencyProof(long from, long to)
    {
        CheckSize(to);
        if (from < 0 || from > to) throw new ArgumentOutOfRangeException(nameof(from), "A consistency proof needs 0 <= from <= to.");
        var proof = new List<byte[]>();
        if (from > 0 && from < to) SubProof(from, 0, to, true, proof);
        return proof;
    }

    // RFC 9162 §2.1.3.1 PATH(m, D[start:start+n]): k is the largest power of two below n.
    private void Path(long m, long start, long n, List<byte[]> path)
    {
        if (n <= 1) return;
        long k = SplitPoint(n);
        if (m < k)
        {
            Path(m, start, k, path);
            path.Add(Subtree(start + k, n - k));
        }
        else
        {
            Path(m - k, start + k, n - k, path);
            path.Add(Subtree(start, k));
        }
    }

    // RFC 9162 §2.1.4.1 SUBPROOF(m, D[start:start+n], b).
    private void SubProof(long m, long start, long n, bool completeSubtree, List<byte[]> proof)
    {
        if (m == n)
        {
            if (!completeSubtree) proof.Add(Subtree(start, n));
            return;
        }
        long k = SplitPoint(n);
        if (m <= k)
        {
            SubProof(m, start, k, completeSubtree, proof);
            proof.Add(Subtree(start + k, n - k));
        }
        else
        {
            SubProof(m - k, start + k, n - k, false, proof);
            proof.Add(Subtree(start, k));
        }
    }

    /// <summary>
    /// MTH(D[start:start+n]). The algorithms above only ask for nodes of the left-balanced tree: either a complete subtree
    /// aligned on its size (a lookup) or one that ends at the tree's right edge (split again).
    /// </summary>
    private byte[] Subtree(long start, long n)
    {
        if (n == 0) throw new InvalidOperationException("Empty subtree.");
        if ((n & (n - 1)) == 0 && start % n == 0)
        {
            int level = System.Numerics.BitOperations.Log2((ulong)n);
            return _levels[level][start / n].ToArray();
        }
        long k = SplitPoint(n);
        return MerkleHash.Node(Subtree(start, k), Subtree(start + k, n - k));
    }

    /// <summary>The largest power of two strictly below <paramref name="n"/> (n >= 2).</summary>
    public static long SplitPoint(long n)
    {
        long k = 1;
        while (k << 1 < n) k <<= 1;
        return k;
    }

    private void CheckSize(long size)
    {
        if (size < 0 || size > Size) throw new ArgumentOutOfRangeException(nameof(size), $"The tree has {Size} leaves.");
    }

    /// <summary>One level's hashes in one growing array (no object per hash).</summary>
    private sealed class HashLevel
    {
        private byte[] _data = new byte[MerkleHash.Size * 64];

        public long Count { get; private set; }

        public ReadOnlySpan<byte> this[long index] => _data.AsSpan(checked((int)(index * MerkleHash.Size)), MerkleHash.Size);

        public void Add(ReadOnlySpan<byte> hash)
        {
            long end = (Count + 1) * MerkleHash.Size;
            if (end > _data.Length) Array.Resize(ref _data, (int)Math.Min(Array.MaxLength, Math.Max(end, 2L * _data.Length)));
            hash.CopyTo(_data.AsSpan((int)(Count * MerkleHash.Size)));
            Count++;
        }
    }
}
