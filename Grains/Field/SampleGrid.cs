namespace Resonance.Grains.Field;

/// <summary>
/// The sample lattice of a space with bounds [0,W) x [0,H) and spacing h: c_ij = (i h, j h),
/// 0 &lt;= i &lt; W/h, 0 &lt;= j &lt; H/h. W/h and H/h must be whole numbers.
/// </summary>
public readonly record struct SampleGrid(double Width, double Height, double Spacing)
{
    /// <summary>Largest number of samples along one axis we accept (16,384).</summary>
    public const int MaxSamplesPerAxis = 1 << 14;

    public int Columns => (int)Math.Round(Width / Spacing);
    public int Rows => (int)Math.Round(Height / Spacing);
    public long SampleCount => (long)Columns * Rows;

    public void Validate()
    {
        if (!double.IsFinite(Spacing) || Spacing <= 0) throw new ArgumentException($"Sample spacing must be finite and > 0, got {Spacing}.");
        if (!double.IsFinite(Width) || Width <= 0) throw new ArgumentException($"Width must be finite and > 0, got {Width}.");
        if (!double.IsFinite(Height) || Height <= 0) throw new ArgumentException($"Height must be finite and > 0, got {Height}.");
        CheckWhole(Width / Spacing, "Width / spacing");
        CheckWhole(Height / Spacing, "Height / spacing");
    }

    private static void CheckWhole(double ratio, string what)
    {
        if (Math.Abs(ratio - Math.Round(ratio)) > 1e-9 * Math.Max(1, ratio))
            throw new ArgumentException($"{what} must be a whole number, got {ratio}.");
        double whole = Math.Round(ratio);
        if (whole < 1 || whole > MaxSamplesPerAxis)
            throw new ArgumentException($"{what} must be in [1, {MaxSamplesPerAxis}], got {ratio}.");
    }
}
