using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resonance.Grains.Rollups;

/// <summary>
/// Keeps a space's per-minute rollups. A reminder ticks every <see cref="RollupOptions.Period"/>; each tick rolls up the
/// minutes completed since the last rolled one (on activation: the newest stored rollup, else the oldest event), reading
/// raw events through the silo's <see cref="IRollupStore"/>. Writes replace rows, so repeating a minute is harmless.
/// </summary>
public sealed partial class RollupGrain(IServiceProvider services, IOptions<RollupOptions> options, ILogger<RollupGrain> logger)
    : Grain, IRollupGrain, IRemindable
{
    private const string ReminderName = "rollup";
    private static readonly TimeSpan Chunk = TimeSpan.FromHours(1);

    // Optional so a silo configured without event storage still activates the grain (and just logs).
    private readonly IRollupStore? _store = services.GetService<IRollupStore>();

    /// <summary>End (exclusive) of the minutes already rolled up by this activation.</summary>
    private DateTime? _doneUntil;

    public async Task Start()
    {
        if (_store is null)
        {
            LogNoStore(this.GetPrimaryKeyString());
            return;
        }
        if (await this.GetReminder(ReminderName) is null)
            await this.RegisterOrUpdateReminder(ReminderName, options.Value.FirstDue, options.Value.Period);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        try
        {
            await RollUpAsync(DateTime.UtcNow);
        }
        catch (Exception e)
        {
            // The next tick starts again from the last completed chunk.
            LogRollupFailed(this.GetPrimaryKeyString(), e);
        }
    }

    public Task<int> RollUpNow() => RollUpAsync(DateTime.UtcNow);

    public async Task<MinuteRollup[]> Get(DateTime fromUtc, DateTime toUtc, int limit)
    {
        if (_store is null) return [];
        var rows = await _store.QueryAsync(this.GetPrimaryKeyString(), AsUtc(fromUtc), AsUtc(toUtc), limit, CancellationToken.None);
        return [.. rows];
    }

    private async Task<int> RollUpAsync(DateTime nowUtc)
    {
        if (_store is null) return 0;
        string space = this.GetPrimaryKeyString();
        var completeUntil = Minutes.Floor(nowUtc - options.Value.Grace);
        if (_doneUntil is null)
        {
            var last = await _store.LastRollupAsync(space, CancellationToken.None);
            if (last is { } l) _doneUntil = l.AddMinutes(1);
            else if (await _store.FirstEventAsync(space, CancellationToken.None) is { } first) _doneUntil = Minutes.Floor(first);
            else return 0;
        }
        var until = Min(completeUntil, _doneUntil.Value.AddMinutes(options.Value.MaxMinutesPerRun));
        int minutes = 0;
        for (var from = _doneUntil.Value; from < until;)
        {
            var to = Min(until, from + Chunk);
            var events = await _store.ReadEventsAsync(space, from, to, CancellationToken.None);
            var rollups = events.GroupBy(e => Minutes.Floor(e.TimestampUtc))
                .OrderBy(g => g.Key)
                .Select(g => MinuteRollupCalculator.Compute(space, g.Key, g.ToList()))
                .ToList();
            await _store.WriteAsync(rollups, CancellationToken.None);
            minutes += rollups.Count;
            _doneUntil = from = to;
        }
        return minutes;
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static DateTime AsUtc(DateTime t) => t.Kind == DateTimeKind.Utc ? t : DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No event store is configured in this silo; rollups of space {Space} are off")]
    private partial void LogNoStore(string space);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rolling up the events of space {Space} failed")]
    private partial void LogRollupFailed(string space, Exception exception);
}
