namespace Resonance.Grains;

/// <summary>
/// The cluster's door to the event store, a stateless worker: each call runs on the silo that receives it, against that
/// silo's group-commit writer. Gateways hold no database connection; they append and query through this grain.
/// </summary>
public interface IEventLogGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Returns once every record is committed (ids already stored are skipped, so a retry is harmless), with the ids of
    /// records refused because their subject is erased (nothing stored for them); throws if the store failed.
    /// </summary>
    Task<Guid[]> Append(EventRecord[] records);

    Task<EventRecord[]> Query(EventQuery query);

    Task<long> Count(string space);
}
