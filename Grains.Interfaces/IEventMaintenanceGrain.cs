namespace Resonance.Grains;

/// <summary>
/// Keeps the event store's partitions created ahead and drops expired events, on a reminder (one per cluster, key 0).
/// Each silo asks it to start when it starts; starting again only renews the reminder.
/// </summary>
public interface IEventMaintenanceGrain : IGrainWithIntegerKey
{
    Task Start();

    /// <summary>Runs the maintenance now (also what the reminder does).</summary>
    Task MaintainNow();
}
