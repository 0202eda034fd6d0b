using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resonance.Grains.Events;

/// <summary>
/// Runs <see cref="IEventStore.MaintainAsync"/> on a reminder every <see cref="EventStorageOptions.MaintenanceInterval"/>
/// (and once when started): partitions are created days ahead, so writes never wait for DDL at midnight, and expired
/// events are dropped. A reminder survives the silo that registered it, so exactly one maintenance runs per cluster.
/// </summary>
public sealed partial class EventMaintenanceGrain(IEventStore store, IOptions<EventStorageOptions> options, ILogger<EventMaintenanceGrain> logger)
    : Grain, IEventMaintenanceGrain, IRemindable
{
    private const string ReminderName = "event-maintenance";
    // Orleans reminders tick at most once a minute.
    private static readonly TimeSpan MinimumPeriod = TimeSpan.FromMinutes(1);

    public async Task Start()
    {
        var period = options.Value.MaintenanceInterval < MinimumPeriod ? MinimumPeriod : options.Value.MaintenanceInterval;
        // Registering again only moves the next tick; it keeps one reminder.
        await this.RegisterOrUpdateReminder(ReminderName, period, period);
        await MaintainNow();
    }

    public async Task MaintainNow()
    {
        try
        {
            var report = await store.MaintainAsync(DateTime.UtcNow, TimeSpan.FromDays(options.Value.RetentionDays), CancellationToken.None);
            LogMaintained(report.PartitionsCreated.Count, report.PartitionsDropped.Count, report.RowsDeleted);
        }
        catch (Exception e)
        {
            // The next tick retries; partitions are created days ahead, so one failure costs nothing yet.
            LogFailed(e);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => MaintainNow();

    [LoggerMessage(Level = LogLevel.Information, Message = "Event store maintained: {Created} partitions created, {Dropped} dropped, {Deleted} rows deleted")]
    private partial void LogMaintained(int created, int dropped, long deleted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event store maintenance failed; retrying at the next reminder")]
    private partial void LogFailed(Exception exception);
}
