namespace Resonance.Grains.Entanglement;

/// <summary>A participant as the pair scan sees it: its id (orders pairs), position and phase history.</summary>
public readonly record struct TrackedPhase(Guid Id, double X, double Y, PhaseHistory History);
