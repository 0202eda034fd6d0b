using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Resonance.Grains.Field;

/// <summary>
/// Vector elementary functions for the field kernels. <c>Vector512.Exp(double)</c> in .NET 10 is several times slower
/// than these (it handles the whole IEEE range and special values); the kernels only need a finite argument, so they are a
/// range reduction, a short polynomial and a scale by 2^m through the exponent bits. Measured agreement with
/// <see cref="Math.Exp"/>: within 2 ulp (the tests require 2e-15 absolute per kernel term).
/// </summary>
internal static class FieldMath
{
    /// <summary>Arguments are clamped to [MinArgument, MaxArgument]; exp(-708) ~ 3.3e-308 is the smallest normal result we produce.</summary>
    internal const double MinArgument = -708.0;
    internal const double MaxArgument = 709.0;

    private const double Log2E = 1.4426950408889634;
    // Cody-Waite split of ln 2 (fdlibm): the high part has trailing zero bits, so n * Ln2Hi is exact for |n| < 2^11.
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;
    // 1.5 * 2^52: adding it rounds to an integer and leaves the integer in the low mantissa bits.
    private const double Shifter = 6755399441055744.0;

    private const double C12 = 1.0 / 479001600;
    private const double C11 = 1.0 / 39916800;
    private const double C10 = 1.0 / 3628800;
    private const double C9 = 1.0 / 362880;
    private const double C8 = 1.0 / 40320;
    private const double C7 = 1.0 / 5040;
    private const double C6 = 1.0 / 720;
    private const double C5 = 1.0 / 120;
    private const double C4 = 1.0 / 24;
    private const double C3 = 1.0 / 6;
    private const double C2 = 0.5;

    // 2^(j/16), j = 0..15, correctly rounded: the AVX-512 path looks them up with one two-register permute.
    private static readonly Vector512<double> Pow2Lo = Vector512.Create(
        0x3ff0000000000000, 0x3ff0b5586cf9890f, 0x3ff172b83c7d517b, 0x3ff2387a6e756238,
        0x3ff306fe0a31b715, 0x3ff3dea64c123422, 0x3ff4bfdad5362a27, 0x3ff5ab07dd485429).AsDouble();
    private static readonly Vector512<double> Pow2Hi = Vector512.Create(
        0x3ff6a09e667f3bcd, 0x3ff7a11473eb0187, 0x3ff8ace5422aa0db, 0x3ff9c49182a3f090,
        0x3ffae89f995ad3ad, 0x3ffc199bdd85529c, 0x3ffd5818dcfba487, 0x3ffea4afa2a490da).AsDouble();

    /// <summary>
    /// e^x for x in [-708, 709] (clamped outside; NaN is not supported). AVX-512: x = (16 m + j) ln2/16 + r with
    /// |r| &lt;= ln2/32, e^x = 2^m * 2^(j/16) * e^r, e^r by a degree-7 Taylor polynomial (truncation &lt; 2e-18 relative),
    /// 2^(j/16) from a 16-entry register table. Max error measured against <see cref="Math.Exp"/>: about 1 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<double> Exp(Vector512<double> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(MinArgument)), Vector512.Create(MaxArgument));
        var shifter = Vector512.Create(Shifter);
        var t = Vector512.FusedMultiplyAdd(x, Vector512.Create(16 * Log2E), shifter);
        var k = t - shifter;
        var r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2Hi / 16), x);
        r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2Lo / 16), r);
        // q = (e^r - 1) / r = 1 + r/2 + r^2/6 + ... + r^6/7!
        var q = Vector512.FusedMultiplyAdd(Vector512.Create(1.0 / 5040), r, Vector512.Create(1.0 / 720));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(C5));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(C4));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(C3));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(C2));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(1.0));
        var bits = t.AsInt64();
        var table = Avx512F.PermuteVar8x64x2(Pow2Lo, bits, Pow2Hi); // index = low 4 bits of k = j
        var result = Vector512.FusedMultiplyAdd(table, r * q, table);  // 2^(j/16) (1 + r q)
        var scale = (bits << 48) & Vector512.Create(unchecked((long)0xFFF0000000000000)); // m << 52
        return (result.AsInt64() + scale).AsDouble();
    }

    /// <inheritdoc cref="Exp(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<double> Exp(Vector256<double> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(MinArgument)), Vector256.Create(MaxArgument));
        var shifter = Vector256.Create(Shifter);
        var t = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), shifter);
        var n = t - shifter;
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var r2 = r * r;
        var pe = Vector256.FusedMultiplyAdd(Vector256.Create(C12), r2, Vector256.Create(C10));
        var po = Vector256.FusedMultiplyAdd(Vector256.Create(C11), r2, Vector256.Create(C9));
        pe = Vector256.FusedMultiplyAdd(pe, r2, Vector256.Create(C8));
        po = Vector256.FusedMultiplyAdd(po, r2, Vector256.Create(C7));
        pe = Vector256.FusedMultiplyAdd(pe, r2, Vector256.Create(C6));
        po = Vector256.FusedMultiplyAdd(po, r2, Vector256.Create(C5));
        pe = Vector256.FusedMultiplyAdd(pe, r2, Vector256.Create(C4));
        po = Vector256.FusedMultiplyAdd(po, r2, Vector256.Create(C3));
        pe = Vector256.FusedMultiplyAdd(pe, r2, Vector256.Create(C2));
        po = Vector256.FusedMultiplyAdd(po, r2, Vector256.Create(1.0));
        var p = Vector256.FusedMultiplyAdd(pe, r2, r * po);
        p += Vector256.Create(1.0);
        var scale = t.AsInt64() << 52;
        return (p.AsInt64() + scale).AsDouble();
    }
    // ----------------------------------------------------------------------------------------------------------------
    // sin / cos for the frame composer. .NET's Vector256.Sin/Cos/SinCos for double cost ~70 ns per sample here
    // (measured, compose-30x30-classic); this is a quadrant reduction with an FMA two-part pi/2 and the fdlibm kernel
    // polynomials, about 1 ulp on |x| < 2^50 (the reduction x - n pi/2 is one rounding thanks to the FMA).

    private const double TwoOverPi = 0.63661977236758134308;
    private const double PiOver2Hi = 1.5707963267948966;          // fl(pi/2)
    private const double PiOver2Lo = 6.123233995736766e-17;       // pi/2 - fl(pi/2)
    internal const double TwoPiHi = 6.283185307179586;            // fl(2 pi)
    internal const double TwoPiLo = 2.4492935982947064e-16;       // 2 pi - fl(2 pi)

    // fdlibm __kernel_sin / __kernel_cos coefficients (|r| <= pi/4).
    private const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04;
    private const double S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
    private const double K1 = 4.16666666666666019037e-02, K2 = -1.38888888888741095749e-03, K3 = 2.48015872894767294178e-05;
    private const double K4 = -2.75573143513906633035e-07, K5 = 2.08757232129817482790e-09, K6 = -1.13596475577881948265e-11;

    /// <summary>sin x and cos x per lane for finite |x| &lt; 2^50 (NaN in, NaN out).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector256<double> Sin, Vector256<double> Cos) SinCos(Vector256<double> x)
    {
        var shifter = Vector256.Create(Shifter);
        var t = Vector256.FusedMultiplyAdd(x, Vector256.Create(TwoOverPi), shifter);
        var n = t - shifter;
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-PiOver2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-PiOver2Lo), r);
        var z = r * r;
        var ps = Vector256.FusedMultiplyAdd(Vector256.Create(S6), z, Vector256.Create(S5));
        var pc = Vector256.FusedMultiplyAdd(Vector256.Create(K6), z, Vector256.Create(K5));
        ps = Vector256.FusedMultiplyAdd(ps, z, Vector256.Create(S4));
        pc = Vector256.FusedMultiplyAdd(pc, z, Vector256.Create(K4));
        ps = Vector256.FusedMultiplyAdd(ps, z, Vector256.Create(S3));
        pc = Vector256.FusedMultiplyAdd(pc, z, Vector256.Create(K3));
        ps = Vector256.FusedMultiplyAdd(ps, z, Vector256.Create(S2));
        pc = Vector256.FusedMultiplyAdd(pc, z, Vector256.Create(K2));
        ps = Vector256.FusedMultiplyAdd(ps, z, Vector256.Create(S1));
        pc = Vector256.FusedMultiplyAdd(pc, z, Vector256.Create(K1));
        var sinR = Vector256.FusedMultiplyAdd(r * z, ps, r);
        var cosR = Vector256.FusedMultiplyAdd(z * z, pc, Vector256.FusedMultiplyAdd(z, Vector256.Create(-0.5), Vector256<double>.One));
        // x = n pi/2 + r, q = n mod 4: sin x = (sin r, cos r, -sin r, -cos r)[q], cos x = (cos r, -sin r, -cos r, sin r)[q].
        var q = t.AsInt64();
        var odd = Vector256.Equals(q & Vector256<long>.One, Vector256<long>.One).AsDouble();
        var signBit = Vector256.Create(long.MinValue);
        var sinSign = (q << 62) & signBit;                         // q & 2
        var cosSign = ((q + Vector256<long>.One) << 62) & signBit; // (q + 1) & 2
        var sin = Vector256.ConditionalSelect(odd, cosR, sinR);
        var cos = Vector256.ConditionalSelect(odd, sinR, cosR);
        return ((sin.AsInt64() ^ sinSign).AsDouble(), (cos.AsInt64() ^ cosSign).AsDouble());
    }

    /// <summary>sin x per lane (see <see cref="SinCos(Vector256{double})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<double> Sin(Vector256<double> x)
    {
        var shifter = Vector256.Create(Shifter);
        var t = Vector256.FusedMultiplyAdd(x, Vector256.Create(TwoOverPi), shifter);
        var n = t - shifter;
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-PiOver2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-PiOver2Lo), r);
        var z = r * r;
        var q = t.AsInt64();
        var odd = Vector256.Equals(q & Vector256<long>.One, Vector256<long>.One).AsDouble();
        // One polynomial per lane: odd quadrants need cos r, even ones sin r; evaluate both in an interleaved chain
        // (they are independent, so this costs little more latency than one).
        var ps = Vector256.FusedMultiplyAdd(Vector256.Create(S6), z, Vector256.Create(S5));
        var pc = Vector256.FusedMultiplyAdd(Vector256.Create(K6), z, Vector256.Create(K5));
        ps = Vector256.FusedMultiplyAdd(ps, z, Vector256.Create(S4));
        pc = Vector256.FusedMultiplyAdd(pc, z, Vector256.Create(K4));
        ps = Vector256.FusedMultiplyAdd(ps, z, Vector256.Create(S3));
        pc = Vector256.FusedMultiplyAdd(pc, z, Vector256.Create(K3));
        ps = Vector256.FusedMultiplyAdd(ps, z, Vector256.Create(S2));
        pc = Vector256.FusedMultiplyAdd(pc, z, Vector256.Create(K2));
        ps = Vector256.FusedMultiplyAdd(ps, z, Vector256.Create(S1));
        pc = Vector256.FusedMultiplyAdd(pc, z, Vector256.Create(K1));
        var sinR = Vector256.FusedMultiplyAdd(r * z, ps, r);
        var cosR = Vector256.FusedMultiplyAdd(z * z, pc, Vector256.FusedMultiplyAdd(z, Vector256.Create(-0.5), Vector256<double>.One));
        var sin = Vector256.ConditionalSelect(odd, cosR, sinR);
        return (sin.AsInt64() ^ ((q << 62) & Vector256.Create(long.MinValue))).AsDouble();
    }

    /// <summary>
    /// x reduced to about [-pi, pi] by a whole number of turns (two-part 2 pi, so the error stays ~ulp(x)); used once per
    /// frame for the phase omega t + phi0 so the per-sample sin/cos arguments stay small. Non-finite stays non-finite.
    /// </summary>
    internal static double ReduceTurns(double x)
    {
        if (!(Math.Abs(x) > Math.PI)) return x;
        if (Math.Abs(x) >= 1e15) return Math.IEEERemainder(x, TwoPiHi); // beyond any meaningful phase; keep it bounded
        double k = Math.Round(x * (1 / TwoPiHi));
        return Math.FusedMultiplyAdd(-k, TwoPiLo, Math.FusedMultiplyAdd(-k, TwoPiHi, x));
    }
}
