namespace Resonance.Grains;

[GenerateSerializer]
public enum NodeKind : byte
{
    /// <summary>A connected user, streaming its harmonic state; removed after it has been silent too long.</summary>
    Participant = 0,
    /// <summary>A crystallised memory owned by a user; persists until deleted.</summary>
    Memory = 1,
}
