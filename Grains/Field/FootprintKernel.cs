using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Resonance.Grains.Field;

/// <summary>The incremental core: adds or removes one node's footprint on a tile. Allocation-free.</summary>
/// <remarks>
/// For every row j of the region that the cutoff disc reaches, a conservative column range (one sample of slack on each
/// side) is derived from <c>sqrt(R^2 - dy^2)</c>, and every sample of that range is tested exactly as the reference does,
/// <c>dx*dx + dy*dy &lt;= R*R</c> with <c>dx = i*h - x</c>, <c>dy = j*h - y</c>; so boundary samples agree bit-for-bit with the
/// reference's decision. That range is exact and contiguous, so the kernel is evaluated 8 (AVX-512) or 4 (AVX2) lanes at a
/// time with plain loads and stores, and only a row's last partial vector is masked (AVX-512) or stored lane by lane (AVX2);
/// no sample outside the range is read or written (bands of one array can be filled from several threads).
/// </remarks>
[SkipLocalsInit] // the stack tables are written before they are read; zeroing them cost as much as a small footprint
public static class FootprintKernel
{
    /// <summary>
    /// <c>values[region.Index(i, j)] += sign * source.Strength * K(|c_ij - p|)</c> for every sample of the region
    /// with <c>|c_ij - p| &lt;= kernel.Cutoff</c>. Samples outside the cutoff are untouched.
    /// </summary>
    /// <exception cref="ArgumentException">values is shorter than region.Count, the region's spacing is not finite and
    /// positive, or the source has a non-finite coordinate, strength or phase.</exception>
    public static void Accumulate(Span<double> values, in TileRegion region, in KernelSpec kernel, in FieldSource source, double sign = 1.0)
    {
        if (Avx512F.IsSupported)
            Accumulate512(values, region, kernel, source, sign);
        else if (Avx2.IsSupported && Fma.IsSupported)
            Accumulate256(values, region, kernel, source, sign);
        else
            AccumulateScalar(values, region, kernel, source, sign);
    }

    /// <summary>Whether the footprint of <paramref name="source"/> can reach any sample of <paramref name="region"/>.</summary>
    public static bool Reaches(in TileRegion region, in KernelSpec kernel, in FieldSource source)
        => region.Width > 0 && region.Height > 0 && region.DistanceSquaredTo(source.X, source.Y) <= kernel.Cutoff * kernel.Cutoff;

    // ----------------------------------------------------------------------------------------------------------------
    // Geometry shared by all paths.

    /// <summary>Row range [jLo, jHi] (absolute sample indices) of the region that the disc may reach; empty when jLo &gt; jHi.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void RowRange(in TileRegion region, double y, double cutoff, double invH, out int jLo, out int jHi)
    {
        jLo = ClampIndex(Math.Ceiling((y - cutoff) * invH) - 1, region.J0, region.J0 + region.Height);
        jHi = ClampIndex(Math.Floor((y + cutoff) * invH) + 1, region.J0 - 1, region.J0 + region.Height - 1);
    }

    /// <summary>Column range [iLo, iHi] of the region for a row whose half-chord is <paramref name="half"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnRange(in TileRegion region, double x, double half, double invH, out int iLo, out int iHi)
    {
        iLo = ClampIndex(Math.Ceiling((x - half) * invH) - 1, region.I0, region.I0 + region.Width);
        iHi = ClampIndex(Math.Floor((x + half) * invH) + 1, region.I0 - 1, region.I0 + region.Width - 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ClampIndex(double v, int lo, int hi) => v <= lo ? lo : v >= hi ? hi : (int)v;

    private static void Check(Span<double> values, in TileRegion region, in FieldSource source)
    {
        if (!double.IsFinite(region.Spacing) || region.Spacing <= 0) ThrowSpacing(region.Spacing);
        if ((long)region.Width * region.Height > values.Length && region.Width > 0 && region.Height > 0) ThrowLength(values.Length, region);
        if (!double.IsFinite(source.X) || !double.IsFinite(source.Y) || !double.IsFinite(source.Strength) || !double.IsFinite(source.Phase))
            ThrowSource(source);
    }

    private static void ThrowSpacing(double h) => throw new ArgumentException($"Region spacing must be finite and > 0, got {h}.");
    private static void ThrowLength(int length, TileRegion region) => throw new ArgumentException($"values has {length} elements but the region {region} needs {(long)region.Width * region.Height}.");
    private static void ThrowSource(FieldSource s) => throw new ArgumentException($"Field source must have finite coordinates, strength and phase, got {s}.");
    private static void ThrowKind(KernelKind kind) => throw new ArgumentException($"Unknown kernel kind {kind}.");

    // ----------------------------------------------------------------------------------------------------------------
    // Scalar path (reference arithmetic; used when there is no AVX2/FMA, and by the tests).

    internal static void AccumulateScalar(Span<double> values, in TileRegion region, in KernelSpec kernel, in FieldSource source, double sign = 1.0)
    {
        Check(values, region, source);
        if (region.Width <= 0 || region.Height <= 0) return;
        if (kernel.Kind is not (KernelKind.Exponential or KernelKind.Gaussian or KernelKind.Harmonic)) ThrowKind(kernel.Kind);
        double h = region.Spacing, invH = 1.0 / h, x = source.X, y = source.Y, cutoff = kernel.Cutoff, r2 = cutoff * cutoff;
        double ss = sign * source.Strength;
        RowRange(region, y, cutoff, invH, out int jLo, out int jHi);
        for (int j = jLo; j <= jHi; j++)
        {
            double dy = j * h - y;
            double dy2 = dy * dy;
            if (!(dy2 <= r2)) continue;
            ColumnRange(region, x, Math.Sqrt(r2 - dy2), invH, out int iLo, out int iHi);
            Span<double> row = values.Slice((j - region.J0) * region.Width, region.Width);
            for (int i = iLo; i <= iHi; i++)
            {
                double dx = i * h - x;
                double d2 = dx * dx + dy * dy;
                if (d2 <= r2) row[i - region.I0] += ss * kernel.Evaluate(Math.Sqrt(d2), source.Phase);
            }
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Kernel evaluators. A kernel sees, per block of columns, the table of dx^2 (and may derive its own per-column table
    // from it), per row dy^2, and per lane d^2 = dx^2 + dy^2 (rounded exactly as the reference rounds it).

    private unsafe interface IKernel
    {
        /// <summary>Fills <paramref name="aux"/>[0..count) from <paramref name="dx2"/> (count is a multiple of 8); may do nothing.</summary>
        void FillColumns(double* dx2, double* aux, int count);

        /// <summary>Row factor multiplying every term of the row (besides the strength): exp(-dy^2/2 sigma^2) for the gaussian, else 1.</summary>
        double RowFactor(double dy2);

        Vector512<double> Eval(Vector512<double> d2, double* aux);
        Vector256<double> Eval(Vector256<double> d2, double* aux);
    }

    private readonly unsafe struct ExponentialKernel(double lambda) : IKernel
    {
        private readonly double _negLambda = -lambda;

        public void FillColumns(double* dx2, double* aux, int count) { }

        public double RowFactor(double dy2) => 1.0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<double> Eval(Vector512<double> d2, double* aux) => FieldMath.Exp(Vector512.Create(_negLambda) * Vector512.Sqrt(d2));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<double> Eval(Vector256<double> d2, double* aux) => FieldMath.Exp(Vector256.Create(_negLambda) * Vector256.Sqrt(d2));
    }

    /// <summary>
    /// exp(-(dx^2 + dy^2) / 2 sigma^2) = exp(-dx^2 / 2 sigma^2) exp(-dy^2 / 2 sigma^2): one exp per column per footprint and
    /// one per row, then a single multiply-add per sample. (Differs from exp of the sum by a few ulp of the term.)
    /// </summary>
    private readonly unsafe struct GaussianKernel(double sigma) : IKernel
    {
        private readonly double _scale = -1.0 / (2 * sigma * sigma);

        public void FillColumns(double* dx2, double* aux, int count)
        {
            if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
            {
                var scale = Vector256.Create(_scale);
                for (int c = 0; c < count; c += 4) FieldMath.Exp(Vector256.Load(dx2 + c) * scale).Store(aux + c);
            }
            else
            {
                for (int c = 0; c < count; c++) aux[c] = Math.Exp(Math.Max(dx2[c] * _scale, FieldMath.MinArgument));
            }
        }

        public double RowFactor(double dy2) => Math.Exp(Math.Max(dy2 * _scale, FieldMath.MinArgument));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<double> Eval(Vector512<double> d2, double* aux) => Vector512.Load(aux);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<double> Eval(Vector256<double> d2, double* aux) => Vector256.Load(aux);
    }

    private readonly unsafe struct HarmonicKernel(double lambda, double waveNumber, double phase) : IKernel
    {
        private readonly double _negLambda = -lambda;
        private readonly double _k = waveNumber;
        private readonly double _phase = phase;

        public void FillColumns(double* dx2, double* aux, int count) { }

        public double RowFactor(double dy2) => 1.0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<double> Eval(Vector512<double> d2, double* aux)
        {
            var d = Vector512.Sqrt(d2);
            return FieldMath.Exp(Vector512.Create(_negLambda) * d) * Vector512.Cos(Vector512.Create(_k) * d - Vector512.Create(_phase));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<double> Eval(Vector256<double> d2, double* aux)
        {
            var d = Vector256.Sqrt(d2);
            return FieldMath.Exp(Vector256.Create(_negLambda) * d) * Vector256.Cos(Vector256.Create(_k) * d - Vector256.Create(_phase));
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Row walking shared by the vector paths.

    /// <summary>Columns per block: the column tables (dx^2 and the kernel's own) of one block live on the stack, shared by all rows.</summary>
    private const int ColumnBlock = 256;

    /// <summary>Table length: a block plus one vector of padding, so a row's last (partial) vector reads initialised memory.</summary>
    private const int TableLength = ColumnBlock + 8;

    /// <summary>
    /// Fills dx^2 for columns [b0, b0 + n) exactly as the reference computes it (i*h - x, squared), pads with 0 so that a
    /// row's last vector (which may start at column n - 1) reads initialised memory (padded lanes are computed, never
    /// stored), and lets the kernel derive its column table.
    /// </summary>
    private static unsafe void FillColumnTables<TKernel>(double* dx2, double* aux, int b0, int n, double h, double x, in TKernel k)
        where TKernel : struct, IKernel
    {
        for (int c = 0; c < n; c++)
        {
            double dx = (b0 + c) * h - x;
            dx2[c] = dx * dx;
        }
        int padded = (n + 14) & ~7; // >= n + 7, <= TableLength for n <= ColumnBlock
        for (int c = n; c < padded; c++) dx2[c] = 0;
        k.FillColumns(dx2, aux, padded);
    }

    /// <summary>
    /// The exact columns [lo, hi] of block [b0, b0 + n) with dx^2 + dy^2 &lt;= R^2 on a row (empty when lo &gt; hi), by the
    /// reference's own test. d^2 is non-increasing then non-decreasing along a row (every rounding step is monotone), so
    /// every column between lo and hi passes it too and the vector loop needs no per-lane test.
    /// </summary>
    /// <remarks>
    /// Blocks of up to 64 columns (R/h up to ~31): the test is run on the whole row as 4-lane compares packed into a bit
    /// mask, lo and hi are its lowest and highest set bits. Branch-free and without the scalar sqrt, this costs less than
    /// the chord estimate (a sqrt-ceil-clamp chain per row plus mispredicted trims; measured ~2x per row). Wider blocks
    /// trim the chord estimate (one sample of slack) instead.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void RowColumns(in TileRegion region, double* dx2, int b0, int n, double x, double dy2, double r2, double invH,
        out int lo, out int hi)
    {
        if (n <= 64)
        {
            var dy2v = Vector256.Create(dy2);
            var r2v = Vector256.Create(r2);
            ulong bits = 0;
            for (int c = 0; c < n; c += 4) // reads at most dx2[n + 2]: inside the padding
                bits |= (ulong)Vector256.LessThanOrEqual(Vector256.Load(dx2 + c) + dy2v, r2v).ExtractMostSignificantBits() << c;
            bits &= ulong.MaxValue >> (64 - n); // padding lanes are not columns of the block
            lo = BitOperations.TrailingZeroCount(bits);
            hi = 63 - BitOperations.LeadingZeroCount(bits); // bits == 0: lo = 64 > hi = -1
            return;
        }
        ColumnRange(region, x, Math.Sqrt(r2 - dy2), invH, out lo, out hi);
        lo = Math.Max(lo, b0) - b0;
        hi = Math.Min(hi, b0 + n - 1) - b0;
        while (lo <= hi && !(dx2[lo] + dy2 <= r2)) lo++;
        while (hi >= lo && !(dx2[hi] + dy2 <= r2)) hi--;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // AVX-512 path.

    internal static void Accumulate512(Span<double> values, in TileRegion region, in KernelSpec kernel, in FieldSource source, double sign = 1.0)
    {
        Check(values, region, source);
        if (region.Width <= 0 || region.Height <= 0) return;
        switch (kernel.Kind)
        {
            case KernelKind.Exponential:
                Rows512(values, region, kernel.Cutoff, source, sign, new ExponentialKernel(kernel.Lambda));
                break;
            case KernelKind.Gaussian:
                Rows512(values, region, kernel.Cutoff, source, sign, new GaussianKernel(kernel.Sigma));
                break;
            case KernelKind.Harmonic:
                Rows512(values, region, kernel.Cutoff, source, sign, new HarmonicKernel(kernel.Lambda, kernel.WaveNumber, source.Phase));
                break;
            default:
                ThrowKind(kernel.Kind);
                break;
        }
    }

    private static unsafe void Rows512<TKernel>(Span<double> values, in TileRegion region, double cutoff, in FieldSource source, double sign, TKernel k)
        where TKernel : struct, IKernel
    {
        double h = region.Spacing, invH = 1.0 / h, x = source.X, y = source.Y, r2 = cutoff * cutoff;
        RowRange(region, y, cutoff, invH, out int jLo, out int jHi);
        if (jLo > jHi) return;
        ColumnRange(region, x, cutoff, invH, out int iLo, out int iHi);
        if (iLo > iHi) return;

        double ss = sign * source.Strength;
        int width = region.Width;
        double* dx2 = stackalloc double[TableLength];
        double* aux = stackalloc double[TableLength];

        fixed (double* basePtr = values)
        {
            for (int b0 = iLo; b0 <= iHi; b0 += ColumnBlock)
            {
                int n = Math.Min(ColumnBlock, iHi - b0 + 1);
                FillColumnTables(dx2, aux, b0, n, h, x, k);
                double* blockPtr = basePtr + (long)(jLo - region.J0) * width + (b0 - region.I0);
                for (int j = jLo; j <= jHi; j++, blockPtr += width)
                {
                    double dy = j * h - y;
                    double dy2 = dy * dy;
                    if (!(dy2 <= r2)) continue;
                    RowColumns(region, dx2, b0, n, x, dy2, r2, invH, out int lo, out int hi);
                    if (lo > hi) continue;
                    var dy2v = Vector512.Create(dy2);
                    var fv = Vector512.Create(ss * k.RowFactor(dy2));
                    int c = lo;
                    // Interior: every lane is inside the disc, plain loads and stores.
                    for (; c + 8 <= hi + 1; c += 8)
                    {
                        var kv = k.Eval(Vector512.Load(dx2 + c) + dy2v, aux + c);
                        double* p = blockPtr + c;
                        Vector512.FusedMultiplyAdd(fv, kv, Vector512.Load(p)).Store(p);
                    }
                    if (c <= hi)
                    {
                        // The row's last 1..7 samples: one masked load/store (cheap with AVX-512 mask registers).
                        var mask = Vector512.LessThan(Vector512.Create(0.0, 1, 2, 3, 4, 5, 6, 7), Vector512.Create((double)(hi + 1 - c)));
                        var kv = k.Eval(Vector512.Load(dx2 + c) + dy2v, aux + c);
                        double* p = blockPtr + c;
                        var old = Avx512F.MaskLoad(p, mask, Vector512<double>.Zero);
                        Avx512F.MaskStore(p, mask, Vector512.FusedMultiplyAdd(fv, kv, old));
                    }
                }
            }
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // AVX2 + FMA path.

    internal static void Accumulate256(Span<double> values, in TileRegion region, in KernelSpec kernel, in FieldSource source, double sign = 1.0)
    {
        Check(values, region, source);
        if (region.Width <= 0 || region.Height <= 0) return;
        switch (kernel.Kind)
        {
            case KernelKind.Exponential:
                Rows256(values, region, kernel.Cutoff, source, sign, new ExponentialKernel(kernel.Lambda));
                break;
            case KernelKind.Gaussian:
                Rows256(values, region, kernel.Cutoff, source, sign, new GaussianKernel(kernel.Sigma));
                break;
            case KernelKind.Harmonic:
                Rows256(values, region, kernel.Cutoff, source, sign, new HarmonicKernel(kernel.Lambda, kernel.WaveNumber, source.Phase));
                break;
            default:
                ThrowKind(kernel.Kind);
                break;
        }
    }

    private static unsafe void Rows256<TKernel>(Span<double> values, in TileRegion region, double cutoff, in FieldSource source, double sign, TKernel k)
        where TKernel : struct, IKernel
    {
        double h = region.Spacing, invH = 1.0 / h, x = source.X, y = source.Y, r2 = cutoff * cutoff;
        RowRange(region, y, cutoff, invH, out int jLo, out int jHi);
        if (jLo > jHi) return;
        ColumnRange(region, x, cutoff, invH, out int iLo, out int iHi);
        if (iLo > iHi) return;

        double ss = sign * source.Strength;
        int width = region.Width;
        double* dx2 = stackalloc double[TableLength];
        double* aux = stackalloc double[TableLength];

        fixed (double* basePtr = values)
        {
            for (int b0 = iLo; b0 <= iHi; b0 += ColumnBlock)
            {
                int n = Math.Min(ColumnBlock, iHi - b0 + 1);
                FillColumnTables(dx2, aux, b0, n, h, x, k);
                double* blockPtr = basePtr + (long)(jLo - region.J0) * width + (b0 - region.I0);
                for (int j = jLo; j <= jHi; j++, blockPtr += width)
                {
                    double dy = j * h - y;
                    double dy2 = dy * dy;
                    if (!(dy2 <= r2)) continue;
                    RowColumns(region, dx2, b0, n, x, dy2, r2, invH, out int lo, out int hi);
                    if (lo > hi) continue;
                    var dy2v = Vector256.Create(dy2);
                    double f = ss * k.RowFactor(dy2);
                    var fv = Vector256.Create(f);
                    int c = lo;
                    // Interior: every lane is inside the disc, plain loads and stores (AVX2 masked stores are slow on AMD).
                    for (; c + 4 <= hi + 1; c += 4)
                    {
                        var kv = k.Eval(Vector256.Load(dx2 + c) + dy2v, aux + c);
                        double* p = blockPtr + c;
                        Vector256.FusedMultiplyAdd(fv, kv, Vector256.Load(p)).Store(p);
                    }
                    if (c <= hi)
                    {
                        // The row's last 1..3 samples: the same vector terms, added lane by lane with the same fused multiply-add.
                        var kv = k.Eval(Vector256.Load(dx2 + c) + dy2v, aux + c);
                        double* p = blockPtr + c;
                        p[0] = Math.FusedMultiplyAdd(f, kv.GetElement(0), p[0]);
                        if (c + 1 <= hi) p[1] = Math.FusedMultiplyAdd(f, kv.GetElement(1), p[1]);
                        if (c + 2 <= hi) p[2] = Math.FusedMultiplyAdd(f, kv.GetElement(2), p[2]);
                    }
                }
            }
        }
    }
}
