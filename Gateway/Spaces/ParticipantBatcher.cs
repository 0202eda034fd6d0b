using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Resonance.Gateway.Sessions;
using Resonance.Grains;

namespace Resonance.Gateway.Spaces;

/// <summary>
/// Coalesces a space's participant streams before the grain boundary. A session keeps only its latest stream update,
/// keep-alive and leave in slots of its own (no lock, no allocation per message) and queues itself here once; each
/// flush turns the queued sessions into one <see cref="IParticipantIngestGrain.Apply"/> call. One batch is in flight at a
/// time, so a participant's commands reach its node grain in order, and a leave never overtakes an older update.
/// </summary>
public sealed partial class ParticipantBatcher(string space, IGrainFactory grains, ILogger logger)
{
    private readonly ConcurrentQueue<ClientSession> _queued = new();
    private readonly List<ParticipantCommand> _commands = [];
    private readonly List<ClientSession> _senders = [];
    private readonly List<ClientSession> _deferred = [];
    private readonly HashSet<Guid> _nodes = [];
    private int _inFlight;
    private long _batches, _commandsSent;
    private long _retryAtMs;

    /// <summary>After a failed batch the next one waits this long, so a cluster that is down is not hammered.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Ingest calls made so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Participant commands sent so far (after coalescing).</summary>
    public long CommandsSent => Interlocked.Read(ref _commandsSent);

    public bool HasWork => !_queued.IsEmpty;

    public bool InFlight => Volatile.Read(ref _inFlight) == 1;

    /// <summary>Called by a session the first time it has something since its last batch.</summary>
    public void Enqueue(ClientSession session) => _queued.Enqueue(session);

    private volatile bool _urgent;

    /// <summary>
    /// Flushes now rather than at the pump's next turn (a session is waiting on its command: leaving, or about to ask for
    /// entanglement); if a batch is in flight, the next one goes as soon as it returns.
    /// </summary>
    public void FlushNow()
    {
        _urgent = true;
        Flush();
    }

    /// <summary>Sends what is queued, unless a batch is still in flight (then the next flush takes it, coalesced further).</summary>
    public void Flush()
    {
        if (_queued.IsEmpty || Environment.TickCount64 < Volatile.Read(ref _retryAtMs)) return;
        if (Interlocked.CompareExchange(ref _inFlight, 1, 0) != 0) return;
        _urgent = false;
        _commands.Clear();
        _senders.Clear();
        _nodes.Clear();
        while (_queued.TryDequeue(out var session))
        {
            if (!session.TakeCommand(out var command)) continue;
            // One command per node per batch: a second session of the same user waits for the next batch.
            if (!_nodes.Add(command.NodeId))
            {
                session.Untake(command);
                _deferred.Add(session);
                continue;
            }
            _commands.Add(command);
            _senders.Add(session);
        }
        if (_commands.Count == 0)
        {
            Release();
            return;
        }
        _ = SendAsync([.. _commands], [.. _senders]);
    }

    private async Task SendAsync(ParticipantCommand[] commands, ClientSession[] senders)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _commandsSent, commands.Length);
        ParticipantFailure[] failures;
        try
        {
            failures = await grains.GetGrain<IParticipantIngestGrain>(0).Apply(space, commands);
        }
        catch (Exception e)
        {
            LogBatchFailed(space, commands.Length, e);
            // Nothing of the batch is known to be applied: each session takes its command back unless it has a newer one,
            // and leaves stay queued, so they go again with the next flush.
            for (int k = 0; k < senders.Length; k++) senders[k].BatchFailed(commands[k]);
            Volatile.Write(ref _retryAtMs, Environment.TickCount64 + (long)RetryDelay.TotalMilliseconds);
            Release();
            return;
        }
        for (int k = 0; k < senders.Length; k++) senders[k].BatchApplied(commands[k], Find(failures, commands[k].NodeId));
        Release();
    }

    private static ParticipantFailure? Find(ParticipantFailure[] failures, Guid node)
    {
        foreach (var f in failures)
            if (f.NodeId == node) return f;
        return null;
    }

    private void Release()
    {
        foreach (var s in _deferred) _queued.Enqueue(s);
        _deferred.Clear();
        Volatile.Write(ref _inFlight, 0);
        if (_urgent) Flush();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying {Count} participant commands of space {Space} failed; they are queued again")]
    private partial void LogBatchFailed(string space, int count, Exception exception);
}
