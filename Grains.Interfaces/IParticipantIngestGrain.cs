namespace Resonance.Grains;

/// <summary>
/// The cluster's entry for participant streams: a gateway sends each space's coalesced stream updates, keep-alives and
/// leaves in one call per flush instead of one call per message. A stateless worker, local to the silo that receives it;
/// it hands each command to its node grain and answers once all were applied, so a gateway that keeps one batch in
/// flight per space never reorders a participant's commands.
/// </summary>
public interface IParticipantIngestGrain : IGrainWithIntegerKey
{
    /// <summary>Applies a batch (at most one command per node); returns the commands that failed.</summary>
    Task<ParticipantFailure[]> Apply(string space, [Immutable] ParticipantCommand[] commands);
}
