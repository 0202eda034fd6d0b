using System.Collections;

namespace Resonance.Gateway.Sessions;

/// <summary>
/// A session's logging scope: its connection, user and space. It lives as long as the session, so it is three fields
/// rather than a dictionary with boxed values; the pairs are made only when a log entry reads them.
/// </summary>
public sealed class SessionLogScope(string connectionId, Guid userId, string space) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 3;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("ConnectionId", connectionId),
        1 => new("UserId", userId),
        2 => new("Space", space),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"ConnectionId:{connectionId} UserId:{userId} Space:{space}";
}
