using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resonance.Grains.Ledger;

namespace Resonance.Grains.Export;

/// <summary>
/// Follows the global commit sequence of the event log (<see cref="ILedgerStore.ReadCommittedAsync"/>) into the Redis
/// stream, a batch per script call (<see cref="StreamAppendScript"/>). The position is the stream's last id, read from
/// Redis on activation and after any failure, so a new activation (a restart, the loss of its silo) resumes exactly after
/// the last entry Redis has: no gap, no duplicate. Ingest never waits for it: commits only poke it (one-way), and while
/// Redis is down it retries on its timer and catches up afterwards. A reminder reactivates it when nobody pokes.
/// </summary>
public sealed partial class EventExportGrain(ILedgerStore store, RedisStreamConnection redis, IOptions<EventExportOptions> options,
    ILogger<EventExportGrain> logger) : Grain, IEventExportGrain, IRemindable
{
    private const string ReminderName = "event-export";
    private long? _position;
    private bool _pumping, _again, _failing;

    private EventExportOptions Options => options.Value;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Options.Enabled)
            this.RegisterGrainTimer(_ => Pump(), new GrainTimerCreationOptions(Options.PollInterval, Options.PollInterval) { KeepAlive = true, Interleave = true });
        return Task.CompletedTask;
    }

    public async Task Start()
    {
        if (!Options.Enabled) return;
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await Pump();
    }

    public Task Poke()
    {
        if (Options.Enabled) _ = Pump();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Pump();

    public async Task<long> ExportedThrough() =>
        Options.Enabled ? StreamEntries.SeqOf(await StreamAppendScript.LastIdAsync(await redis.GetAsync(), Options.RedisStream!)) : 0;

    /// <summary>Exports until caught up; a call while a pump runs makes that pump look again instead of starting a second.</summary>
    private async Task Pump()
    {
        if (!Options.Enabled) return;
        _again = true;
        if (_pumping) return;
        _pumping = true;
        try
        {
            while (_again)
            {
                _again = false;
                await ExportAvailableAsync();
            }
            if (_failing) LogRecovered(_position ?? 0);
            _failing = false;
        }
        catch (Exception e)
        {
            // Re-read from Redis next time: a script may have run although its answer was lost.
            _position = null;
            if (!_failing) LogFailed(e);
            _failing = true;
        }
        finally
        {
            _pumping = false;
        }
    }

    private async Task ExportAvailableAsync()
    {
        var db = await redis.GetAsync();
        string stream = Options.RedisStream!;
        _position ??= StreamEntries.SeqOf(await StreamAppendScript.LastIdAsync(db, stream));
        while (true)
        {
            var leaves = await store.ReadCommittedAsync(_position.Value, Math.Max(1, Options.BatchSize), CancellationToken.None);
            if (leaves.Count == 0) return;
            if (leaves[0].Seq != _position.Value + 1)
                throw new InvalidOperationException($"The commit sequence has no {_position.Value + 1} (next stored is {leaves[0].Seq}).");
            var entries = leaves.Select(l => (StreamEntries.Id(l.Seq), StreamEntries.Fields(l))).ToList();
            var (added, last) = await StreamAppendScript.RunAsync(db, stream, StreamEntries.Id(_position.Value), Options.MaxLength, entries);
            long now = StreamEntries.SeqOf(last);
            if (added == 0 && now != _position.Value) LogPositionMoved(_position.Value, now);
            _position = now;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Exporting events to the Redis stream failed; retrying (ingest is not affected)")]
    private partial void LogFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Exporting events to the Redis stream works again (through commit {Seq})")]
    private partial void LogRecovered(long seq);

    [LoggerMessage(Level = LogLevel.Information, Message = "The Redis stream moved from {Expected} to {Actual} under another exporter; continuing from there")]
    private partial void LogPositionMoved(long expected, long actual);
}
