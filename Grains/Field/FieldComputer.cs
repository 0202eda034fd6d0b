using System.Buffers;

namespace Resonance.Grains.Field;

/// <summary>Full recompute of the node sum over a region from scratch.</summary>
public static class FieldComputer
{
    /// <summary>Below this estimated number of kernel evaluations the recompute runs on the calling thread.</summary>
    internal const long ParallelWorkThreshold = 150_000;

    /// <summary>Regions with at least this many samples are processed in row bands (cache-sized) even single-threaded.</summary>
    internal const int BandingSampleThreshold = 1 << 15;

    /// <summary>Target size of one band's values (fits comfortably in a 1-2 MB L2 cache).</summary>
    private const int BandBytes = 256 * 1024;

    /// <summary>
    /// Overwrites <paramref name="values"/> (length region.Count) with the sum over all sources of s_n K(|c - p_n|).
    /// Splits the region into row bands on up to <paramref name="maxDegreeOfParallelism"/> threads when the work is large
    /// (0 = Environment.ProcessorCount; 1 = single-threaded).
    /// </summary>
    public static void Recompute(double[] values, TileRegion region, KernelSpec kernel, ReadOnlyMemory<FieldSource> sources, int maxDegreeOfParallelism = 0)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDegreeOfParallelism);
        if (region.Width < 0 || region.Height < 0) throw new ArgumentException($"Region must have a non-negative size, got {region}.");
        if (!double.IsFinite(region.Spacing) || region.Spacing <= 0) throw new ArgumentException($"Region spacing must be finite and > 0, got {region.Spacing}.");
        long count = (long)region.Width * region.Height;
        if (values.Length < count) throw new ArgumentException($"values has {values.Length} elements but the region {region} needs {count}.");
        if (count == 0) return;

        int threads = PlannedThreads(region, kernel, sources.Length, maxDegreeOfParallelism);
        bool parallel = threads > 1;
        ReadOnlySpan<FieldSource> span = sources.Span;

        if (!parallel && count < BandingSampleThreshold)
        {
            Array.Clear(values, 0, (int)count);
            Span<double> target = values.AsSpan(0, (int)count);
            for (int n = 0; n < span.Length; n++)
            {
                ref readonly FieldSource s = ref span[n];
                if (FootprintKernel.Reaches(region, kernel, s))
                    FootprintKernel.Accumulate(target, region, kernel, s);
            }
            return;
        }

        RecomputeBanded(values, region, kernel, sources, threads);
    }

    /// <summary>How many threads <see cref="Recompute"/> uses for this work (1 = the calling thread only).</summary>
    internal static int PlannedThreads(in TileRegion region, in KernelSpec kernel, int sourceCount, int maxDegreeOfParallelism)
    {
        int dop = maxDegreeOfParallelism == 0 ? Environment.ProcessorCount : maxDegreeOfParallelism;
        long count = (long)region.Width * region.Height;
        // Estimated kernel evaluations: each source covers about pi (R/h + 1)^2 samples, at most the whole region.
        double perSource = Math.Min(Math.PI * Math.Pow(kernel.Cutoff / region.Spacing + 1, 2), count);
        double work = perSource * sourceCount;
        return dop > 1 && work >= ParallelWorkThreshold && region.Height >= 2 ? dop : 1;
    }

    /// <summary>
    /// Row-band decomposition: sources are bucketed (counting sort, stable) by the bands their footprint reaches, and each
    /// band (cleared first) is filled by one thread. <paramref name="bandRows"/> = 0 picks a cache-sized band.
    /// Arguments are assumed validated (internal; the tests call it directly to force small bands).
    /// </summary>
    internal static void RecomputeBanded(double[] values, TileRegion region, KernelSpec kernel, ReadOnlyMemory<FieldSource> sources, int dop, int bandRows = 0)
    {
        int width = region.Width, height = region.Height;
        if (bandRows <= 0)
        {
            bandRows = Math.Clamp(BandBytes / (8 * width), 4, height);
            if (dop > 1)
            {
                // At least 4 bands per thread for load balance.
                bandRows = Math.Min(bandRows, Math.Max(1, height / (4 * dop)));
            }
        }
        bandRows = Math.Min(bandRows, height);
        int bands = (height + bandRows - 1) / bandRows;

        ReadOnlySpan<FieldSource> span = sources.Span;
        double h = region.Spacing, invH = 1.0 / h, cutoff = kernel.Cutoff;
        int[] starts = ArrayPool<int>.Shared.Rent(bands + 1);
        int[]? members = null;
        try
        {
            Array.Clear(starts, 0, bands + 1);
            // Pass 1: count the sources per band.
            long total = 0;
            for (int n = 0; n < span.Length; n++)
            {
                if (!BandRange(region, kernel, span[n], invH, cutoff, bandRows, out int b0, out int b1)) continue;
                for (int b = b0; b <= b1; b++) starts[b + 1]++;
                total += b1 - b0 + 1;
            }
            for (int b = 0; b < bands; b++) starts[b + 1] += starts[b];
            members = ArrayPool<int>.Shared.Rent((int)Math.Max(1, total));

            // Pass 2: fill (stable, so each band sees its sources in input order).
            int[] cursor = ArrayPool<int>.Shared.Rent(bands);
            try
            {
                Array.Copy(starts, cursor, bands);
                for (int n = 0; n < span.Length; n++)
                {
                    if (!BandRange(region, kernel, span[n], invH, cutoff, bandRows, out int b0, out int b1)) continue;
                    for (int b = b0; b <= b1; b++) members[cursor[b]++] = n;
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(cursor);
            }

            var job = new BandJob(values, region, kernel, sources, starts, members, bandRows);
            if (dop <= 1 || bands == 1)
            {
                for (int b = 0; b < bands; b++) job.Run(b);
            }
            else
            {
                Parallel.For(0, bands, new ParallelOptions { MaxDegreeOfParallelism = dop }, job.Run);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(starts);
            if (members is not null) ArrayPool<int>.Shared.Return(members);
        }
    }

    /// <summary>Bands [b0, b1] that the source's footprint may reach; false when it reaches none of the region.</summary>
    private static bool BandRange(in TileRegion region, in KernelSpec kernel, in FieldSource s, double invH, double cutoff, int bandRows, out int b0, out int b1)
    {
        b0 = b1 = 0;
        if (!FootprintKernel.Reaches(region, kernel, s)) return false;
        FootprintKernel.RowRange(region, s.Y, cutoff, invH, out int jLo, out int jHi);
        if (jLo > jHi) return false;
        b0 = (jLo - region.J0) / bandRows;
        b1 = (jHi - region.J0) / bandRows;
        return true;
    }

    private sealed class BandJob(double[] values, TileRegion region, KernelSpec kernel, ReadOnlyMemory<FieldSource> sources, int[] starts, int[] members, int bandRows)
    {
        public void Run(int band)
        {
            int r0 = band * bandRows;
            int rows = Math.Min(bandRows, region.Height - r0);
            var sub = new TileRegion(region.I0, region.J0 + r0, region.Width, rows, region.Spacing);
            Span<double> target = values.AsSpan(r0 * region.Width, rows * region.Width);
            target.Clear();
            ReadOnlySpan<FieldSource> span = sources.Span;
            for (int m = starts[band], end = starts[band + 1]; m < end; m++)
                FootprintKernel.Accumulate(target, sub, kernel, span[members[m]]);
        }
    }
}
