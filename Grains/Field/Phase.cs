namespace Resonance.Grains.Field;

public static class Phase
{
    public const double TwoPi = 2 * Math.PI;

    /// <summary>Maps any finite angle to [0, 2 pi).</summary>
    public static double Normalize(double radians)
    {
        double r = Math.IEEERemainder(radians, TwoPi);
        if (r < 0) r += TwoPi;
        // + 0.0 turns -0.0 into +0.0.
        return r >= TwoPi ? 0 : r + 0.0;
    }
}
