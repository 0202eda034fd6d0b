using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Resonance.Gateway.Hosting;
using Resonance.Grains;

namespace Resonance.Gateway.Events;

/// <summary>
/// The gateway's side of event storage: appends from every session and REST request are coalesced before the grain
/// boundary into <see cref="IEventLogGrain.Append"/> calls of up to <see cref="MaxBatch"/> records, with a few calls in
/// flight at once. A caller's task completes when its records are committed (the grain returns after the silo's group
/// commit), so acks still follow the commit; it faults when the store failed. The gateway itself holds no database
/// connection.
/// </summary>
public sealed class EventAppender : IAsyncDisposable
{
    public const int MaxBatch = 256;
    private const int Lanes = 4;
    private const int Capacity = 16 * 1024;

    private readonly IGrainFactory _grains;
    private readonly TimeSpan _attemptTimeout;
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly Task[] _lanes;

    private readonly record struct Pending(EventRecord[] Records, TaskCompletionSource Committed);

    public EventAppender(IGrainFactory grains, IOptions<GatewayOptions> options)
    {
        _grains = grains;
        _attemptTimeout = options.Value.EventAppendAttemptTimeout;
        _lanes = [.. Enumerable.Range(0, Lanes).Select(_ => Task.Run(RunAsync))];
    }

    public Task AppendAsync(EventRecord record, CancellationToken cancellationToken) => AppendAsync([record], cancellationToken);

    /// <summary>
    /// Completes once every record is durably stored; faults if the store failed, and with
    /// <see cref="UnauthorizedAccessException"/> when a record was refused because its subject is erased.
    /// </summary>
    public async Task AppendAsync(EventRecord[] records, CancellationToken cancellationToken)
    {
        if (records.Length == 0) return;
        var committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new Pending(records, committed), cancellationToken);
        await committed.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var taken = new List<Pending>();
        var records = new List<EventRecord>(MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            taken.Clear();
            records.Clear();
            while (records.Count < MaxBatch && reader.TryRead(out var p))
            {
                taken.Add(p);
                records.AddRange(p.Records);
            }
            if (taken.Count == 0) continue;
            try
            {
                var refused = await AppendWithRetryAsync([.. records]);
                foreach (var p in taken)
                {
                    if (refused.Length > 0 && p.Records.FirstOrDefault(r => Array.IndexOf(refused, r.Event.EventId) >= 0) is { } gone)
                        p.Committed.TrySetException(new UnauthorizedAccessException($"User {gone.Event.UserId} is erased; its events are not stored."));
                    else
                        p.Committed.TrySetResult();
                }
            }
            catch (Exception e)
            {
                foreach (var p in taken) p.Committed.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// A silo that stops (a rolling restart) fails the calls in its hands; one that dies holds them until the response
    /// timeout, so an attempt is given up after <see cref="GatewayOptions.EventAppendAttemptTimeout"/>. The next attempt
    /// goes to another silo. Retrying is safe because appends are idempotent on the event id (an attempt given up may
    /// still commit). Only when every attempt failed do the callers get the error (and their clients <c>unavailable</c>).
    /// </summary>
    private async Task<Guid[]> AppendWithRetryAsync(EventRecord[] batch)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await _grains.GetGrain<IEventLogGrain>(0).Append(batch).WaitAsync(_attemptTimeout);
            }
            catch (Exception) when (attempt < Attempts)
            {
                await Task.Delay(RetryDelay * attempt);
            }
        }
    }

    private const int Attempts = 3;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>Lets queued appends finish (their callers get their answers), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_lanes);
    }
}
