using Resonance.Grains.Field;
using Resonance.Grains.Spaces;

namespace Resonance.Grains.Nodes;

/// <summary>Range checks for node input; each failure throws <see cref="ArgumentException"/> naming the field.</summary>
public static class NodeValidation
{
    public const double MaxFrequency = 20000;
    public const int MaxContentLength = 4096;
    public const int MaxArchetypeLength = 64;
    public static readonly string[] Intents = ["bloom", "collapse", "spiral", "entangle"];

    public static void Participant(ParticipantUpdate u, SpaceGeometry space)
    {
        ArgumentNullException.ThrowIfNull(u);
        if (!double.IsFinite(u.Frequency) || u.Frequency <= 0 || u.Frequency > MaxFrequency)
            throw new ArgumentException($"frequency must be in (0, {MaxFrequency}] Hz, got {u.Frequency}.");
        Unit(u.Amplitude, "amplitude");
        if (u.Resonance is { } r) Unit(r, "resonance");
        if (u.Phase is { } p && (!double.IsFinite(p) || Math.Abs(p) > 1e6)) throw new ArgumentException($"phase must be finite with |phase| <= 1e6, got {p}.");
        if (u.QuantumFactor is { } q && (!double.IsFinite(q) || Math.Abs(q) > 1e6)) throw new ArgumentException($"quantumFactor must be finite with |q| <= 1e6, got {q}.");
        if (u.Timestamp is { } ts && !double.IsFinite(ts)) throw new ArgumentException("timestamp must be finite.");
        if (u.ConsciousnessIntent is { } intent && Array.IndexOf(Intents, intent) < 0)
            throw new ArgumentException($"consciousnessIntent must be one of {string.Join(", ", Intents)}.");
        if (u.X.HasValue != u.Y.HasValue) throw new ArgumentException("x and y must be given together.");
        if (u.X is { } x && u.Y is { } y) Position(x, y, space);
    }

    public static void Memory(MemoryUpdate u, SpaceGeometry space)
    {
        ArgumentNullException.ThrowIfNull(u);
        if (u.Owner == Guid.Empty) throw new ArgumentException("A memory node needs an owner.");
        Position(u.X, u.Y, space);
        Unit(u.Influence, "influence");
        if (!double.IsFinite(u.Harmonic) || Math.Abs(u.Harmonic) > 1e6) throw new ArgumentException($"harmonic must be finite with |harmonic| <= 1e6, got {u.Harmonic}.");
        if (u.Content is { Length: > MaxContentLength }) throw new ArgumentException($"content must be at most {MaxContentLength} characters.");
        if (u.Archetype is { Length: > MaxArchetypeLength }) throw new ArgumentException($"archetype must be at most {MaxArchetypeLength} characters.");
    }

    private static void Position(double x, double y, SpaceGeometry space)
    {
        if (!double.IsFinite(x) || !double.IsFinite(y) || !space.Contains(x, y))
            throw new ArgumentException($"Position ({x}, {y}) is outside the space [0, {space.Config.Width}) x [0, {space.Config.Height}).");
    }

    private static void Unit(double v, string name)
    {
        if (!double.IsFinite(v) || v < 0 || v > 1) throw new ArgumentException($"{name} must be in [0, 1], got {v}.");
    }

    /// <summary>Phase normalised to [0, 2 pi).</summary>
    public static double NormalisePhase(double phase) => Phase.Normalize(phase);
}
