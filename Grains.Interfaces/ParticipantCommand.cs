namespace Resonance.Grains;

/// <summary>
/// What one gateway has for one participant since its last batch: the latest streamed state (latest wins), a keep-alive,
/// and the end of a session. A leave of the update's own session replaces the update (the session's last word); a leave
/// of another session is moot next to an update of a newer one (that update makes the newer session current).
/// </summary>
[GenerateSerializer, Immutable, Alias("resonance.participant-command")]
public readonly record struct ParticipantCommand(
    [property: Id(0)] Guid NodeId,
    [property: Id(1)] ParticipantUpdate? Update,
    [property: Id(2)] bool Touch,
    [property: Id(3)] Guid? LeaveSession);

/// <summary>A command of a batch that was not applied: <see cref="Invalid"/> for the client's fault, else the cluster's.</summary>
[GenerateSerializer, Immutable, Alias("resonance.participant-failure")]
public readonly record struct ParticipantFailure(
    [property: Id(0)] Guid NodeId,
    [property: Id(1)] bool Invalid,
    [property: Id(2)] string Message);
