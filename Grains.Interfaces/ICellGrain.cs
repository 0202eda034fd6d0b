namespace Resonance.Grains;

/// <summary>One spatial grid cell of a space (key: <c>"{space}/{cx}/{cy}"</c>): its members and its field tile.</summary>
public interface ICellGrain : IGrainWithStringKey
{
    /// <summary>Applies a batch of node changes (at most one call in flight per cell from each silo's router).</summary>
    /// <remarks>
    /// Passed without a copy within a silo. The caller does not touch the batch until the call completes and then reuses
    /// its memory for the cell's next batch, so a cell reads the changes during the call and keeps none of the memory.
    /// </remarks>
    Task ApplyChanges([Immutable] ReadOnlyMemory<NodeChange> changes);

    Task<TileFrame> GetTile();

    Task<CellStatus> GetStatus();

    /// <summary>The nodes that live in this cell (their latest state as the cell holds it).</summary>
    Task<NodeChange[]> GetMembers();

    /// <summary>Subscribes an observer to tile updates; subscriptions expire unless renewed (call again).</summary>
    Task SubscribeField(IFieldObserver observer);

    Task UnsubscribeField(IFieldObserver observer);

    /// <summary>Activates the cell if needed (used by the space to revive cells that stopped reporting).</summary>
    Task Ping();
}
