namespace Resonance.Grains;

/// <summary>Name of the grain storage provider holding node, cell and space state.</summary>
public static class ResonanceStorage
{
    public const string Name = "resonance";
}
