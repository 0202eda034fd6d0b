using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Resonance.Grains;

namespace Resonance.Grains.Events;

/// <summary>
/// Makes sure every space that receives events has its rollup grain's reminder registered. Called after each commit;
/// repeats the (idempotent) start every few minutes per space, so reminders lost with an in-memory reminder service
/// (a silo restart) come back.
/// </summary>
public sealed partial class RollupStarter(IGrainFactory grains, ILogger<RollupStarter> logger)
{
    private static readonly TimeSpan Repeat = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, DateTime> _started = new();

    public void Touch(string space)
    {
        var now = DateTime.UtcNow;
        if (_started.TryGetValue(space, out var last) && now - last < Repeat) return;
        _started[space] = now;
        _ = StartAsync(space);
    }

    private async Task StartAsync(string space)
    {
        try
        {
            await grains.GetGrain<IRollupGrain>(space).Start();
        }
        catch (Exception e)
        {
            // Rollups are derived data: a failed start is retried with a later event of the space.
            _started.TryRemove(space, out _);
            LogStartFailed(space, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Starting the rollups of space {Space} failed")]
    private partial void LogStartFailed(string space, Exception exception);
}
