using Resonance.Gateway.Sessions;

namespace Resonance.Tests.Gateway;

public sealed class SessionLogScopeTests
{
    [Fact]
    public void The_scope_gives_the_connection_user_and_space_as_pairs()
    {
        var user = Guid.NewGuid();
        var scope = new SessionLogScope("conn-1", user, "room-a");
        Assert.Equal(
            [new("ConnectionId", "conn-1"), new("UserId", user), new("Space", "room-a")],
            scope.ToList());
        Assert.Equal($"ConnectionId:conn-1 UserId:{user} Space:room-a", scope.ToString());
    }
}
