using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resonance.Gateway.Events;

/// <summary>
/// Runs <see cref="IEventStore.MaintainAsync"/> at start and then every <see cref="EventStorageOptions.MaintenanceInterval"/>:
/// partitions are created days ahead (so writes never wait for DDL at midnight) and expired events are dropped.
/// </summary>
public sealed partial class EventMaintenance(IEventStore store, IOptions<EventStorageOptions> options, ILogger<EventMaintenance> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        using var timer = new PeriodicTimer(o.MaintenanceInterval);
        do
        {
            try
            {
                await store.MaintainAsync(DateTime.UtcNow, TimeSpan.FromDays(o.RetentionDays), stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The next run retries; partitions are created days ahead, so one failure costs nothing yet.
                LogFailed(e);
            }
        } while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event store maintenance failed; retrying at the next interval")]
    private partial void LogFailed(Exception exception);
}
