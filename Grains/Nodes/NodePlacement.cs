namespace Resonance.Grains.Nodes;

/// <summary>Deterministic position for a participant that sends none: derived from its id, uniform over the bounds.</summary>
public static class NodePlacement
{
    public static (double X, double Y) FromId(Guid id, double width, double height)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        // Mix both halves so ids that differ anywhere land apart; 53 bits of each give a uniform double in [0, 1).
        ulong a = BitConverter.ToUInt64(bytes[..8]), b = BitConverter.ToUInt64(bytes[8..]);
        ulong hx = Mix(a ^ 0x9E3779B97F4A7C15UL ^ b), hy = Mix(b ^ 0xC2B2AE3D27D4EB4FUL ^ Mix(a));
        return (Unit(hx) * width, Unit(hy) * height);
    }

    private static double Unit(ulong h) => (h >> 11) * (1.0 / (1UL << 53));

    // SplitMix64 finaliser.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
