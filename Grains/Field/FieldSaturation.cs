namespace Resonance.Grains.Field;

/// <summary>How the composed sum x = beta G + node sum + B is mapped to the field value F.</summary>
public enum FieldSaturation
{
    /// <summary>F = x (no saturation; the space's <c>Clamp = false</c>).</summary>
    None,
    /// <summary>F = clamp(x, 0, 1): the existing app's formula; flat at 1 wherever a crowd sums past 1.</summary>
    Clamp,
    /// <summary>F = 1 - e^(-max(x, 0)): 1 - e^(-x) for x &gt;= 0, strictly increasing, so a crowd never flattens the picture;
    /// negative sums saturate to 0 as under clamp.</summary>
    Soft,
}
