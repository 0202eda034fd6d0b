using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resonance.Grains.Events;

namespace Resonance.Grains.Rollups;

/// <summary>
/// Keeps a space's per-minute rollups. A reminder ticks every <see cref="RollupOptions.Period"/>; each tick recomputes every
/// complete minute (ended at least <see cref="RollupOptions.Grace"/> ago) that a committed batch marked since, so an event
/// that commits late — after a database outage, a writer retry, a slow batch — still updates its minute, as long as the
/// minute is within the retention period. On activation it also catches up by time from the newest stored rollup (else the
/// oldest event), which covers events stored before the marks existed. Raw events are read through the silo's
/// <see cref="IRollupStore"/>. Writes replace rows, so repeating a minute is harmless.
/// </summary>
public sealed partial class RollupGrain(IServiceProvider services, IOptions<RollupOptions> options, ILogger<RollupGrain> logger)
    : Grain, IRollupGrain, IRemindable
{
    private const string ReminderName = "rollup";
    private static readonly TimeSpan Chunk = TimeSpan.FromHours(1);

    // Optional so a silo configured without event storage still activates the grain (and just logs).
    private readonly IRollupStore? _store = services.GetService<IRollupStore>();
    private readonly int _retentionDays = services.GetService<IOptions<EventStorageOptions>>()?.Value.RetentionDays ?? new EventStorageOptions().RetentionDays;

    /// <summary>End (exclusive) of the minutes the activation's catch-up by time has rolled up; null before it starts.</summary>
    private DateTime? _caughtUpUntil;
    private bool _caughtUp;

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
            // Marks are deleted only after their minutes are written, so the next tick does whatever this one did not.
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
        // Older minutes are being dropped by retention: recomputing one from what is left would spoil its rollup.
        var retainedFrom = Minutes.Floor(nowUtc - TimeSpan.FromDays(_retentionDays)).AddMinutes(1);

        // Marks first, events after: an event committed after this read has a mark this read did not see, so it stays
        // for the next tick; one committed before is in the events read below.
        var marks = await _store.MarksAsync(space, completeUntil, options.Value.MaxMarksPerRun, CancellationToken.None);
        var done = new HashSet<DateTime>();
        int minutes = 0;
        if (!_caughtUp) minutes += await CatchUpAsync(space, completeUntil, done);

        foreach (var minute in marks.Select(m => m.MinuteUtc).Distinct().Order())
        {
            if (minute < retainedFrom || !done.Add(minute)) continue;
            var events = await _store.ReadEventsAsync(space, minute, minute.AddMinutes(1), CancellationToken.None);
            if (events.Count == 0) continue;
            await _store.WriteAsync([MinuteRollupCalculator.Compute(space, minute, events)], CancellationToken.None);
            minutes++;
            LogLateMinute(space, minute, events.Count);
        }
        await _store.DeleteMarksAsync(space, marks.Select(m => m.Seq).ToList(), CancellationToken.None);
        return minutes;
    }

    /// <summary>Rolls up by time from the newest stored rollup (else the oldest event) to <paramref name="until"/>.</summary>
    private async Task<int> CatchUpAsync(string space, DateTime completeUntil, HashSet<DateTime> done)
    {
        if (_caughtUpUntil is null)
        {
            var last = await _store!.LastRollupAsync(space, CancellationToken.None);
            if (last is { } l) _caughtUpUntil = l.AddMinutes(1);
            else if (await _store.FirstEventAsync(space, CancellationToken.None) is { } first) _caughtUpUntil = Minutes.Floor(first);
            else
            {
                _caughtUp = true;
                return 0;
            }
        }
        var until = Min(completeUntil, _caughtUpUntil.Value.AddMinutes(options.Value.MaxMinutesPerRun));
        int minutes = 0;
        for (var from = _caughtUpUntil.Value; from < until;)
        {
            var to = Min(until, from + Chunk);
            var events = await _store!.ReadEventsAsync(space, from, to, CancellationToken.None);
            var rollups = events.GroupBy(e => Minutes.Floor(e.TimestampUtc))
                .OrderBy(g => g.Key)
                .Select(g => MinuteRollupCalculator.Compute(space, g.Key, g.ToList()))
                .ToList();
            await _store.WriteAsync(rollups, CancellationToken.None);
            foreach (var r in rollups) done.Add(r.MinuteUtc);
            minutes += rollups.Count;
            _caughtUpUntil = from = to;
        }
        if (until == completeUntil) _caughtUp = true;
        return minutes;
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static DateTime AsUtc(DateTime t) => t.Kind == DateTimeKind.Utc ? t : DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No event store is configured in this silo; rollups of space {Space} are off")]
    private partial void LogNoStore(string space);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rolling up the events of space {Space} failed")]
    private partial void LogRollupFailed(string space, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rolled up marked minute {Minute:o} of space {Space} ({Events} events)")]
    private partial void LogLateMinute(string space, DateTime minute, int events);
}
