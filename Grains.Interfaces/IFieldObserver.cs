using Orleans.Concurrency;

namespace Resonance.Grains;

/// <summary>Receives a cell's tile whenever it changed (at most at the cell's publish rate).</summary>
public interface IFieldObserver : IGrainObserver
{
    [OneWay]
    Task OnTile(TileFrame frame);
}

/// <summary>Receives the space's global measures every tick.</summary>
public interface ISpaceObserver : IGrainObserver
{
    [OneWay]
    Task OnTick(SpaceTick tick);
}
