using Microsoft.Extensions.Hosting;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Resonance.Grains.Export;

namespace Resonance.Grains.Events;

/// <summary>
/// Group commit in front of an <see cref="IEventStore"/>: callers hand in events and await their commit; one loop takes
/// whatever is queued (up to <see cref="MaxBatch"/>) and commits it in one transaction. The queue is bounded, so a slow
/// database pushes back on the callers instead of growing memory. The store's schema is applied before the silo
/// becomes active (<see cref="EventsSiloBuilderExtensions"/>).
/// </summary>
public sealed partial class EventWriter(IEventStore store, RollupStarter rollups, ExportNotifier export, ILogger<EventWriter> logger) : BackgroundService
{
    public const int MaxBatch = 512;
    private const int Capacity = 16 * 1024;

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Completes true once stored (or already stored), false when refused because its subject is erased.</summary>
    private readonly record struct Pending(EventRecord Record, TaskCompletionSource<bool> Committed);

    public long Committed => Interlocked.Read(ref _committed);
    private long _committed;

    /// <summary>
    /// Completes once every record is durably stored, with the ids of those refused because their subject is erased;
    /// faults if the store failed.
    /// </summary>
    public async Task<Guid[]> WriteAsync(IReadOnlyList<EventRecord> records, CancellationToken cancellationToken)
    {
        var waits = new Task<bool>[records.Count];
        for (int k = 0; k < records.Count; k++)
        {
            var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            await _queue.Writer.WriteAsync(new Pending(records[k], tcs), cancellationToken);
            waits[k] = tcs.Task;
        }
        var stored = await Task.WhenAll(waits);
        int refused = stored.Count(s => !s);
        if (refused == 0) return [];
        var ids = new Guid[refused];
        for (int k = 0, n = 0; k < stored.Length; k++)
            if (!stored[k]) ids[n++] = records[k].Event.EventId;
        return ids;
    }

    public Task<Guid[]> WriteAsync(EventRecord record, CancellationToken cancellationToken) => WriteAsync([record], cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        var records = new List<EventRecord>(MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var p)) batch.Add(p);
            records.Clear();
            foreach (var p in batch) records.Add(p.Record);
            try
            {
                var refused = await CommitWithRetry(records, stoppingToken);
                Interlocked.Add(ref _committed, batch.Count - refused.Count);
                foreach (var p in batch) p.Committed.TrySetResult(refused.Count == 0 || !refused.Contains(p.Record.Event.EventId));
                foreach (var space in records.Select(r => r.Space).Distinct()) rollups.Touch(space);
                export.Committed();
            }
            catch (Exception e)
            {
                LogCommitFailed(batch.Count, e);
                // The callers are grain calls from gateways: a driver's exception (NpgsqlException, SqliteException) has
                // no Orleans codec and would reach the gateway as a CodecNotFoundException, so they get one that has.
                var failure = new OrleansException($"The event store could not commit {batch.Count} events ({e.GetType().Name}: {e.Message}); retry.");
                foreach (var p in batch) p.Committed.TrySetException(failure);
            }
            batch.Clear();
            if (stoppingToken.IsCancellationRequested && !reader.TryPeek(out _)) break;
        }
    }

    private async Task<IReadOnlyCollection<Guid>> CommitWithRetry(List<EventRecord> records, CancellationToken stoppingToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await store.AppendAsync(records, CancellationToken.None);
            }
            catch (Exception e) when (attempt < 3 && !stoppingToken.IsCancellationRequested)
            {
                LogCommitRetry(records.Count, attempt, e);
                await Task.Delay(100 * attempt, CancellationToken.None);
            }
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Committing {Count} events failed; their writers get the error")]
    private partial void LogCommitFailed(int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing {Count} events failed (attempt {Attempt}); retrying")]
    private partial void LogCommitRetry(int count, int attempt, Exception exception);
}
