using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Resonance.Grains.Field;

public static class FieldStatistics
{
    /// <summary>Min, max, sum and sum of squares of the values (SIMD).</summary>
    /// <remarks>Min/max follow <see cref="Math.Min(double, double)"/>: a NaN value makes them NaN. The sums are accumulated in
    /// vector lanes, so they may differ from a sequential loop by rounding.</remarks>
    public static FieldStats Compute(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty) return FieldStats.Empty;
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0, sumSq = 0;
        int i = 0;
        ref double v0 = ref MemoryMarshal.GetReference(values);
        if (Vector512.IsHardwareAccelerated && values.Length >= 16)
        {
            var mn0 = Vector512.Create(double.PositiveInfinity); var mn1 = mn0;
            var mx0 = Vector512.Create(double.NegativeInfinity); var mx1 = mx0;
            var s0 = Vector512<double>.Zero; var s1 = s0; var q0 = s0; var q1 = s0;
            for (; i <= values.Length - 16; i += 16)
            {
                var a = Vector512.LoadUnsafe(ref v0, (nuint)i);
                var b = Vector512.LoadUnsafe(ref v0, (nuint)(i + 8));
                mn0 = Vector512.Min(mn0, a); mn1 = Vector512.Min(mn1, b);
                mx0 = Vector512.Max(mx0, a); mx1 = Vector512.Max(mx1, b);
                s0 += a; s1 += b;
                q0 = Vector512.FusedMultiplyAdd(a, a, q0); q1 = Vector512.FusedMultiplyAdd(b, b, q1);
            }
            var mn = Vector512.Min(mn0, mn1); var mx = Vector512.Max(mx0, mx1);
            for (int k = 0; k < 8; k++) { min = Math.Min(min, mn[k]); max = Math.Max(max, mx[k]); }
            sum = Vector512.Sum(s0 + s1);
            sumSq = Vector512.Sum(q0 + q1);
        }
        else if (Vector256.IsHardwareAccelerated && values.Length >= 8)
        {
            var mn0 = Vector256.Create(double.PositiveInfinity); var mn1 = mn0;
            var mx0 = Vector256.Create(double.NegativeInfinity); var mx1 = mx0;
            var s0 = Vector256<double>.Zero; var s1 = s0; var q0 = s0; var q1 = s0;
            for (; i <= values.Length - 8; i += 8)
            {
                var a = Vector256.LoadUnsafe(ref v0, (nuint)i);
                var b = Vector256.LoadUnsafe(ref v0, (nuint)(i + 4));
                mn0 = Vector256.Min(mn0, a); mn1 = Vector256.Min(mn1, b);
                mx0 = Vector256.Max(mx0, a); mx1 = Vector256.Max(mx1, b);
                s0 += a; s1 += b;
                q0 = Vector256.FusedMultiplyAdd(a, a, q0); q1 = Vector256.FusedMultiplyAdd(b, b, q1);
            }
            var mn = Vector256.Min(mn0, mn1); var mx = Vector256.Max(mx0, mx1);
            for (int k = 0; k < 4; k++) { min = Math.Min(min, mn[k]); max = Math.Max(max, mx[k]); }
            sum = Vector256.Sum(s0 + s1);
            sumSq = Vector256.Sum(q0 + q1);
        }
        for (; i < values.Length; i++)
        {
            double v = values[i];
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
            sumSq += v * v;
        }
        return new FieldStats(values.Length, min, max, sum, sumSq);
    }
}
