namespace Resonance.Grains.Field;

/// <summary>
/// Everything besides the node sum needed to compose a frame: F = S(beta * G + sum + B(c, t)) with the saturation S
/// (<see cref="FieldSaturation"/>: none, clamp to [0, 1], or soft 1 - e^(-x)).
/// </summary>
public readonly record struct Composition(double Beta, double GlobalResonance, double TimeSeconds, BackgroundMode[] Background, FieldSaturation Saturation)
{
    /// <summary>The clamp-or-nothing form (what a space's <c>Clamp</c> flag alone chooses).</summary>
    public Composition(double beta, double globalResonance, double timeSeconds, BackgroundMode[] background, bool Clamp)
        : this(beta, globalResonance, timeSeconds, background, Clamp ? FieldSaturation.Clamp : FieldSaturation.None) { }

    /// <summary>The saturation applied to one composed value (reference-quality scalar form).</summary>
    public static double Saturate(double x, FieldSaturation saturation) => saturation switch
    {
        FieldSaturation.Clamp => Math.Clamp(x, 0.0, 1.0),
        FieldSaturation.Soft => 1.0 - Math.Exp(-Math.Max(x, 0.0)),
        _ => x,
    };
}
