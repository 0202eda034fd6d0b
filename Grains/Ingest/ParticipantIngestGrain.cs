using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Resonance.Grains.Hosting;

namespace Resonance.Grains.Ingest;

/// <summary>
/// Receives a gateway's coalesced participant commands for one space and applies each on its node grain. These calls
/// stay inside the silo that took the batch (a stateless worker runs where it is called), so a gateway pays one
/// network call per flush, and the node grains remain the only owners of participant state.
/// </summary>
[StatelessWorker, Reentrant]
public sealed partial class ParticipantIngestGrain(GrainReferences refs, ILogger<ParticipantIngestGrain> logger) : Grain, IParticipantIngestGrain
{
    public async Task<ParticipantFailure[]> Apply(string space, ParticipantCommand[] commands)
    {
        var calls = new Task[commands.Length];
        for (int k = 0; k < commands.Length; k++)
            calls[k] = refs.Node(commands[k].NodeId).Apply(space, commands[k]);
        try
        {
            await Task.WhenAll(calls);
            return [];
        }
        catch
        {
            // Collected below, per command.
        }
        var failures = new List<ParticipantFailure>();
        for (int k = 0; k < calls.Length; k++)
        {
            if (!calls[k].IsFaulted) continue;
            var e = calls[k].Exception!.GetBaseException();
            bool invalid = e is ArgumentException or InvalidOperationException;
            // The gateway sees only the type and message; a failure of ours is logged here with its stack.
            if (!invalid) LogFailed(space, commands[k].NodeId, e);
            failures.Add(new ParticipantFailure(commands[k].NodeId, invalid, invalid ? e.Message : e.GetType().Name + ": " + e.Message));
        }
        return [.. failures];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The participant command for node {NodeId} in space {Space} failed")]
    private partial void LogFailed(string space, Guid nodeId, Exception exception);
}
