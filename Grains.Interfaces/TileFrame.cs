namespace Resonance.Grains;

/// <summary>
/// A cell's tile of the node sum (the linear part of the field, before beta*G, background and clamp), row-major over
/// samples [I0, I0+Width) x [J0, J0+Height). Version increases with every change applied to the tile.
/// </summary>
[GenerateSerializer, Immutable, Alias("resonance.tile-frame")]
public sealed record TileFrame(
    [property: Id(0)] string Space,
    [property: Id(1)] int Cx,
    [property: Id(2)] int Cy,
    [property: Id(3)] long Version,
    [property: Id(4)] int I0,
    [property: Id(5)] int J0,
    [property: Id(6)] int Width,
    [property: Id(7)] int Height,
    [property: Id(8)] double[] Values,
    [property: Id(9)] DateTime PublishedUtc);
