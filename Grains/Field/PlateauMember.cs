namespace Resonance.Grains.Field;

/// <summary>A sample (I, J) with its value that belongs to plateau piece <see cref="Piece"/> of a tile.</summary>
public readonly record struct PlateauMember(int Piece, int I, int J, double Value);
