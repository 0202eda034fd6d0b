using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Resonance.Grains.Field;

/// <summary>Composes display values F = S(beta * G + nodeSum + B(c, t)) for a region, S the saturation (none, clamp, soft).</summary>
/// <remarks>
/// Per frame, every mode's time term <c>omega t + phi0</c> is reduced to a few radians once, and cos is written as sin with
/// a quarter turn added, so the per-sample work only sees small arguments. Then, by what the mode depends on:
/// <list type="bullet">
/// <item>y only (<c>kx = kr = 0</c>): folded into a per-row constant;</item>
/// <item>x only (<c>ky = kr = 0</c>): summed into one per-column table (one add per sample for all of them);</item>
/// <item>x and y (<c>kr = 0</c>): <c>sin(a_i + b_j) = sin a_i cos b_j + cos a_i sin b_j</c>, two per-column and two per-row
/// tables, two fused multiply-adds per sample;</item>
/// <item>radial (<c>kr != 0</c>): a vector sin per sample of <c>kx x + ky y + kr |c| + phase</c>.</item>
/// </list>
/// Rows are processed 4 samples at a time; a row's partial last vector is recomputed as the overlapping vector ending at
/// the row's end, so no sample is computed by a different formula. Agrees with <see cref="Background"/> to ~1e-15 times the argument size.
/// </remarks>
[SkipLocalsInit] // every scratch table is written before it is read; zeroing 16 KB of stack cost ~1 us per frame
public static class FrameComposer
{
    private const int StackDoubles = 2048;

    /// <summary>Doubles per radial mode in the scratch buffer: amplitude, kx, ky, kr, reduced phase.</summary>
    private const int RadialParams = 5;

    /// <summary>Composes <paramref name="nodeSum"/> (row-major over <paramref name="region"/>) into <paramref name="destination"/>.</summary>
    /// <remarks><paramref name="destination"/> may be the same memory as <paramref name="nodeSum"/> (in-place).</remarks>
    public static void Compose(ReadOnlySpan<double> nodeSum, Span<double> destination, in TileRegion region, in Composition composition)
    {
        if (region.Width < 0 || region.Height < 0) throw new ArgumentException($"Region must have a non-negative size, got {region}.");
        long count = (long)region.Width * region.Height;
        if (nodeSum.Length < count) throw new ArgumentException($"nodeSum has {nodeSum.Length} elements but the region {region} needs {count}.");
        if (destination.Length < count) throw new ArgumentException($"destination has {destination.Length} elements but the region {region} needs {count}.");
        if (count == 0) return;

        if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
            ComposeVector(nodeSum, destination, region, composition);
        else
            ComposeScalar(nodeSum, destination, region, composition);
    }

    /// <summary>The background term B(c, t) at one point (reference-quality scalar path).</summary>
    public static double Background(double x, double y, double timeSeconds, ReadOnlySpan<BackgroundMode> modes)
    {
        double sum = 0;
        double r = Math.Sqrt(x * x + y * y);
        foreach (ref readonly var m in modes)
        {
            double arg = m.Kx * x + m.Ky * y + m.Kr * r + m.Omega * timeSeconds + m.Phi0;
            sum += m.Amplitude * (m.UseCos ? Math.Cos(arg) : Math.Sin(arg));
        }
        return sum;
    }

    /// <summary>Per-sample scalar composition (machines without AVX2/FMA; the tests call it directly). Arguments validated by the caller.</summary>
    internal static void ComposeScalar(ReadOnlySpan<double> nodeSum, Span<double> destination, in TileRegion region, in Composition composition)
    {
        ReadOnlySpan<BackgroundMode> modes = composition.Background ?? BackgroundModes.None;
        double baseValue = composition.Beta * composition.GlobalResonance, h = region.Spacing;
        for (int jj = 0; jj < region.Height; jj++)
        {
            double y = (region.J0 + jj) * h;
            for (int ii = 0; ii < region.Width; ii++)
            {
                int k = jj * region.Width + ii;
                double f = baseValue + nodeSum[k] + Background((region.I0 + ii) * h, y, composition.TimeSeconds, modes);
                destination[k] = Composition.Saturate(f, composition.Saturation);
            }
        }
    }

    /// <summary>The table-driven AVX2 path (see the type remarks). Arguments validated by the caller.</summary>
    internal static void ComposeVector(ReadOnlySpan<double> nodeSum, Span<double> destination, in TileRegion region, in Composition composition)
    {
        int width = region.Width, height = region.Height;
        int w4 = (width + 3) & ~3, h4 = (height + 3) & ~3;
        double h = region.Spacing, t = composition.TimeSeconds;
        ReadOnlySpan<BackgroundMode> modes = composition.Background ?? BackgroundModes.None;

        int mixed = 0, radial = 0;
        foreach (ref readonly var m in modes)
        {
            if (m.Kr != 0) radial++;
            else if (m.Kx != 0 && m.Ky != 0) mixed++;
        }

        // Layout: column constants | row constants | per mixed mode P, Q (rows), U, V (columns) | radial parameters | arguments.
        int argLength = Math.Max(w4, h4);
        int need = w4 + h4 + mixed * 2 * (h4 + w4) + radial * RadialParams + argLength;
        double[]? rented = null;
        Span<double> buffer = need <= StackDoubles
            ? stackalloc double[StackDoubles]
            : (rented = ArrayPool<double>.Shared.Rent(need));
        try
        {
            Span<double> colConst = buffer.Slice(0, w4);
            Span<double> rowConst = buffer.Slice(w4, h4);
            Span<double> mixedTables = buffer.Slice(w4 + h4, mixed * 2 * (h4 + w4));
            Span<double> radialParams = buffer.Slice(w4 + h4 + mixedTables.Length, radial * RadialParams);
            Span<double> args = buffer.Slice(w4 + h4 + mixedTables.Length + radialParams.Length, argLength);
            colConst.Clear();
            rowConst.Fill(composition.Beta * composition.GlobalResonance);

            int mm = 0, rm = 0;
            foreach (ref readonly var m in modes)
            {
                // A cos(z) = A sin(z + pi/2): one function per sample, and the time term reduced once per frame.
                double phase = FieldMath.ReduceTurns(m.Omega * t + m.Phi0) + (m.UseCos ? Math.PI / 2 : 0);
                if (m.Kr != 0)
                {
                    Span<double> p = radialParams.Slice(rm++ * RadialParams, RadialParams);
                    p[0] = m.Amplitude; p[1] = m.Kx; p[2] = m.Ky; p[3] = m.Kr; p[4] = phase;
                }
                else if (m.Kx == 0)
                {
                    // y only (or constant): A sin(ky y_j + phase) added to the row constant.
                    for (int jj = 0; jj < h4; jj++) args[jj] = m.Ky * ((region.J0 + jj) * h) + phase;
                    AddSin(args.Slice(0, h4), rowConst, m.Amplitude);
                }
                else if (m.Ky == 0)
                {
                    for (int ii = 0; ii < w4; ii++) args[ii] = m.Kx * ((region.I0 + ii) * h) + phase;
                    AddSin(args.Slice(0, w4), colConst, m.Amplitude);
                }
                else
                {
                    // A sin(a_i + b_j) = (A cos b_j) sin a_i + (A sin b_j) cos a_i.
                    Span<double> tables = mixedTables.Slice(mm++ * 2 * (h4 + w4), 2 * (h4 + w4));
                    Span<double> pRow = tables.Slice(0, h4), qRow = tables.Slice(h4, h4);
                    Span<double> uCol = tables.Slice(2 * h4, w4), vCol = tables.Slice(2 * h4 + w4, w4);
                    for (int jj = 0; jj < h4; jj++) args[jj] = m.Ky * ((region.J0 + jj) * h) + phase;
                    SinCos(args.Slice(0, h4), qRow, pRow, m.Amplitude);
                    for (int ii = 0; ii < w4; ii++) args[ii] = m.Kx * ((region.I0 + ii) * h);
                    SinCos(args.Slice(0, w4), uCol, vCol, 1.0);
                }
            }

            var lane = Vector256.Create(0.0, 1, 2, 3);
            var hv = Vector256.Create(h);
            var saturation = composition.Saturation;
            int full = width & ~3;
            ref double col = ref MemoryMarshal.GetReference(colConst);
            ref double mix = ref MemoryMarshal.GetReference(mixedTables);
            ref double rad = ref MemoryMarshal.GetReference(radialParams);
            int radialLength = radialParams.Length, mixedLength = mixedTables.Length;
            Span<double> tail = stackalloc double[4];
            for (int jj = 0; jj < height; jj++)
            {
                double y = (region.J0 + jj) * h;
                var row = new RowContext(y, rowConst[jj], jj, h4, w4, ref col, ref mix, mixedLength, ref rad, radialLength, saturation);
                ref double s0 = ref Unsafe.AsRef(in nodeSum[jj * width]);
                ref double d0 = ref destination[jj * width];
                if (width < 4)
                {
                    // Narrower than a vector: the same vector formula on a padded stack copy.
                    tail.Clear();
                    nodeSum.Slice(jj * width, width).CopyTo(tail);
                    var x = (Vector256.Create((double)region.I0) + lane) * hv;
                    row.Sample(Vector256.Create<double>(tail), x, 0).CopyTo(tail);
                    tail.Slice(0, width).CopyTo(destination.Slice(jj * width, width));
                    continue;
                }
                // A partial last vector is done as the overlapping vector [width - 4, width): its input is loaded before any
                // store of the row (so in-place composition reads original values), and the overlapping samples get
                // bit-identical values (same formula, same x).
                var lastIn = Vector256.LoadUnsafe(ref s0, (nuint)(width - 4));
                for (int i = 0; i < full; i += 4)
                {
                    var x = (Vector256.Create((double)(region.I0 + i)) + lane) * hv;
                    row.Sample(Vector256.LoadUnsafe(ref s0, (nuint)i), x, i).StoreUnsafe(ref d0, (nuint)i);
                }
                if (full < width)
                {
                    var x = (Vector256.Create((double)(region.I0 + width - 4)) + lane) * hv;
                    row.Sample(lastIn, x, width - 4).StoreUnsafe(ref d0, (nuint)(width - 4));
                }
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>What one row's samples need: the row constant, the row coefficients of the mixed modes, and the tables.</summary>
    private readonly ref struct RowContext(double y, double rowConst, int jj, int h4, int w4,
        ref double colConst, ref double mixedTables, int mixedLength, ref double radialParams, int radialLength, FieldSaturation saturation)
    {
        private readonly double _y = y, _y2 = y * y, _rowConst = rowConst;
        private readonly int _jj = jj, _h4 = h4, _w4 = w4, _mixedLength = mixedLength, _radialLength = radialLength;
        private readonly ref double _col = ref colConst, _mixed = ref mixedTables, _radial = ref radialParams;
        private readonly FieldSaturation _saturation = saturation;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<double> Sample(Vector256<double> nodeSum, Vector256<double> x, int i)
        {
            var acc = nodeSum + Vector256.Create(_rowConst) + Vector256.LoadUnsafe(ref _col, (nuint)i);
            int stride = 2 * (_h4 + _w4);
            for (int k = 0; k < _mixedLength; k += stride)
            {
                ref double tab = ref Unsafe.Add(ref _mixed, k);
                var p = Vector256.Create(Unsafe.Add(ref tab, _jj));
                var q = Vector256.Create(Unsafe.Add(ref tab, _h4 + _jj));
                var u = Vector256.LoadUnsafe(ref tab, (nuint)(2 * _h4 + i));
                var v = Vector256.LoadUnsafe(ref tab, (nuint)(2 * _h4 + _w4 + i));
                acc = Vector256.FusedMultiplyAdd(p, u, Vector256.FusedMultiplyAdd(q, v, acc));
            }
            if (_radialLength != 0)
            {
                // |c| exactly as the reference computes it: sqrt(x*x + y*y).
                var r = Vector256.Sqrt(x * x + Vector256.Create(_y2));
                for (int k = 0; k < _radialLength; k += RadialParams)
                {
                    ref double m = ref Unsafe.Add(ref _radial, k);
                    var arg = x * Vector256.Create(Unsafe.Add(ref m, 1)) + Vector256.Create(Unsafe.Add(ref m, 2) * _y)
                              + r * Vector256.Create(Unsafe.Add(ref m, 3)) + Vector256.Create(Unsafe.Add(ref m, 4));
                    acc = Vector256.FusedMultiplyAdd(Vector256.Create(m), FieldMath.Sin(arg), acc);
                }
            }
            if (_saturation == FieldSaturation.Clamp)
                acc = Vector256.Min(Vector256.Max(acc, Vector256<double>.Zero), Vector256<double>.One);
            else if (_saturation == FieldSaturation.Soft)
                acc = SoftSaturate(acc);
            return acc;
        }
    }

    /// <summary>1 - e^(-max(x, 0)), within a few 1e-16 absolute of the scalar form (relative accuracy near 0 is not needed:
    /// these are display and statistics values compared in absolute terms).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<double> SoftSaturate(Vector256<double> x) =>
        Vector256<double>.One - FieldMath.Exp(-Vector256.Max(x, Vector256<double>.Zero));

    /// <summary>target[k] += amplitude * sin(args[k]); lengths are multiples of 4.</summary>
    private static void AddSin(ReadOnlySpan<double> args, Span<double> target, double amplitude)
    {
        ref double a0 = ref MemoryMarshal.GetReference(args);
        ref double t0 = ref MemoryMarshal.GetReference(target);
        var amp = Vector256.Create(amplitude);
        for (int i = 0; i < args.Length; i += 4)
        {
            var s = FieldMath.Sin(Vector256.LoadUnsafe(ref a0, (nuint)i));
            Vector256.FusedMultiplyAdd(amp, s, Vector256.LoadUnsafe(ref t0, (nuint)i)).StoreUnsafe(ref t0, (nuint)i);
        }
    }

    /// <summary>sin and cos of every argument, times <paramref name="scale"/>; lengths are multiples of 4.</summary>
    private static void SinCos(ReadOnlySpan<double> args, Span<double> sin, Span<double> cos, double scale)
    {
        ref double a0 = ref MemoryMarshal.GetReference(args);
        ref double s0 = ref MemoryMarshal.GetReference(sin);
        ref double c0 = ref MemoryMarshal.GetReference(cos);
        var sv = Vector256.Create(scale);
        for (int i = 0; i < args.Length; i += 4)
        {
            var (s, c) = FieldMath.SinCos(Vector256.LoadUnsafe(ref a0, (nuint)i));
            (s * sv).StoreUnsafe(ref s0, (nuint)i);
            (c * sv).StoreUnsafe(ref c0, (nuint)i);
        }
    }
}
