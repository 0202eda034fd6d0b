namespace Resonance.Grains.Field;

/// <summary>Named background presets.</summary>
public static class BackgroundModes
{
    public static readonly BackgroundMode[] None = [];

    /// <summary>
    /// The existing app's four terms, <c>0.1 * (0.25 sin(0.2x + p) + 0.15 cos(0.15y + 0.7p) + 0.35 sin(0.1(x+y) + 1.3p)
    /// + 0.25 cos(0.05|c| + 0.5p))</c>, with its phase p advancing at 0.1 rad/s (p = 0.1 t).
    /// </summary>
    public static readonly BackgroundMode[] Classic =
    [
        new(false, 0.025, 0.2, 0, 0, 0.1, 0),
        new(true, 0.015, 0, 0.15, 0, 0.07, 0),
        new(false, 0.035, 0.1, 0.1, 0, 0.13, 0),
        new(true, 0.025, 0, 0, 0.05, 0.05, 0),
    ];

    /// <summary>Phase rate of the classic preset: p = ClassicPhaseRate * t.</summary>
    public const double ClassicPhaseRate = 0.1;

    public static BackgroundMode[] ByName(string name) => name switch
    {
        "classic" => Classic,
        "none" => None,
        _ => throw new ArgumentException($"Unknown background preset '{name}' (known: classic, none)."),
    };
}
