using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Resonance.Grains.Field;

/// <summary>The incremental core: adds or removes one node's footprint on a tile. Allocation-free.</summary>
/// <remarks>
/// For every row j of the region that the cutoff disc reaches, a conservative column range (one sample of slack on each
/// side) is derived from <c>sqrt(R^2 - dy^2)</c>, and every sample of that range is tested exactly as the reference does,
/// <c>dx*dx + dy*dy &lt;= R*R</c> with <c>dx = i*h - x</c>, <c>dy = j*h - y</c>; so boundary samples agree bit-for-bit with the
/// reference's decision. The kernel itself is evaluated 8 (AVX-512) or 4 (AVX2) lanes at a time with masked loads and
/// stores, so no sample outside the range is read or written (bands of one array can be filled from several threads).
/// </remarks>
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
    // Kernel evaluators: K as a function of d^2 (the squared distance), per lane.

    private interface IKernel
    {
        Vector512<double> Eval(Vector512<double> d2);
        Vector256<double> Eval(Vector256<double> d2);
    }

    private readonly struct ExponentialKernel(double lambda) : IKernel
    {
        private readonly double _negLambda = -lambda;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<double> Eval(Vector512<double> d2) => FieldMath.Exp(Vector512.Create(_negLambda) * Vector512.Sqrt(d2));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<double> Eval(Vector256<double> d2) => FieldMath.Exp(Vector256.Create(_negLambda) * Vector256.Sqrt(d2));
    }

    private readonly struct GaussianKernel(double sigma) : IKernel
    {
        private readonly double _scale = -1.0 / (2 * sigma * sigma);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<double> Eval(Vector512<double> d2) => FieldMath.Exp(d2 * Vector512.Create(_scale));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<double> Eval(Vector256<double> d2) => FieldMath.Exp(d2 * Vector256.Create(_scale));
    }

    private readonly struct HarmonicKernel(double lambda, double waveNumber, double phase) : IKernel
    {
        private readonly double _negLambda = -lambda;
        private readonly double _k = waveNumber;
        private readonly double _phase = phase;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<double> Eval(Vector512<double> d2)
        {
            var d = Vector512.Sqrt(d2);
            return FieldMath.Exp(Vector512.Create(_negLambda) * d) * Vector512.Cos(Vector512.Create(_k) * d - Vector512.Create(_phase));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<double> Eval(Vector256<double> d2)
        {
            var d = Vector256.Sqrt(d2);
            return FieldMath.Exp(Vector256.Create(_negLambda) * d) * Vector256.Cos(Vector256.Create(_k) * d - Vector256.Create(_phase));
        }
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

    /// <summary>Columns per block: the squared column offsets of one block live in a stack buffer shared by all rows.</summary>
    private const int ColumnBlock = 256;

    private static unsafe void Rows512<TKernel>(Span<double> values, in TileRegion region, double cutoff, in FieldSource source, double sign, TKernel k)
        where TKernel : struct, IKernel
    {
        double h = region.Spacing, invH = 1.0 / h, x = source.X, y = source.Y, r2 = cutoff * cutoff;
        RowRange(region, y, cutoff, invH, out int jLo, out int jHi);
        if (jLo > jHi) return;
        // Columns the disc can reach at all. Every row of the footprint is processed over this same range: a constant
        // trip count keeps the inner loop's branch predictable, and the lanes outside the disc are masked off.
        ColumnRange(region, x, cutoff, invH, out int iLo, out int iHi);
        if (iLo > iHi) return;

        var r2v = Vector512.Create(r2);
        var ssv = Vector512.Create(sign * source.Strength);
        int width = region.Width;
        double* dx2 = stackalloc double[ColumnBlock];

        fixed (double* basePtr = values)
        {
            for (int b0 = iLo; b0 <= iHi; b0 += ColumnBlock)
            {
                int n = Math.Min(ColumnBlock, iHi - b0 + 1);
                int chunks = (n + 7) >> 3;
                // dx^2 per column, exactly as the reference computes it (i*h - x, squared); a value beyond the cutoff pads the last chunk so
                // its extra lanes fail the cutoff test and are neither read nor written.
                for (int c = 0; c < n; c++)
                {
                    double dx = (b0 + c) * h - x;
                    dx2[c] = dx * dx;
                }
                for (int c = n; c < chunks << 3; c++) dx2[c] = 4 * r2 + 1;

                double* rowPtr = basePtr + (long)(jLo - region.J0) * width + (b0 - region.I0);
                for (int j = jLo; j <= jHi; j++, rowPtr += width)
                {
                    double dy = j * h - y;
                    double dy2 = dy * dy;
                    if (!(dy2 <= r2)) continue;
                    var dy2v = Vector512.Create(dy2);
                    for (int c = 0; c < chunks; c++)
                    {
                        var d2 = Vector512.Load(dx2 + (c << 3)) + dy2v;
                        var mask = Vector512.LessThanOrEqual(d2, r2v);
                        var kv = k.Eval(d2);
                        double* p = rowPtr + (c << 3);
                        var old = Avx512F.MaskLoad(p, mask, Vector512<double>.Zero);
                        Avx512F.MaskStore(p, mask, Vector512.FusedMultiplyAdd(ssv, kv, old));
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

        var hv = Vector256.Create(h);
        var xv = Vector256.Create(x);
        var r2v = Vector256.Create(r2);
        var ssv = Vector256.Create(sign * source.Strength);
        var lane = Vector256.Create(0.0, 1, 2, 3);
        int width = region.Width;

        fixed (double* basePtr = values)
        {
            for (int j = jLo; j <= jHi; j++)
            {
                double dy = j * h - y;
                double dy2 = dy * dy;
                if (!(dy2 <= r2)) continue;
                ColumnRange(region, x, Math.Sqrt(r2 - dy2), invH, out int iLo, out int iHi);
                int n = iHi - iLo + 1;
                if (n <= 0) continue;

                double* p = basePtr + (long)(j - region.J0) * width + (iLo - region.I0);
                var dy2v = Vector256.Create(dy2);
                var iv = Vector256.Create((double)iLo) + lane;
                for (int c = 0; c < n; c += 4, p += 4)
                {
                    var dx = iv * hv - xv;
                    var d2 = dx * dx + dy2v;
                    var mask = Vector256.LessThanOrEqual(d2, r2v) & Vector256.LessThan(lane, Vector256.Create((double)(n - c)));
                    var kv = k.Eval(d2);
                    var old = Avx.MaskLoad(p, mask);
                    Avx.MaskStore(p, mask, Vector256.FusedMultiplyAdd(ssv, kv, old));
                    iv += Vector256.Create(4.0);
                }
            }
        }
    }
}
