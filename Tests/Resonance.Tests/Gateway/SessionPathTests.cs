using Microsoft.AspNetCore.Http;
using Resonance.Gateway.Sessions;

namespace Resonance.Tests.Gateway;

/// <summary>The paths answered as sessions ahead of the rest of the pipeline: the ones routing matched before.</summary>
public sealed class SessionPathTests
{
    [Theory]
    [InlineData("/api/harmonic-ws", true)]
    [InlineData("/ws", true)]
    [InlineData("/WS", true)]
    [InlineData("/Api/Harmonic-WS/", true)]
    [InlineData("/ws/", true)]
    [InlineData("/ws//", false)]
    [InlineData("/wsx", false)]
    [InlineData("/ws/other", false)]
    [InlineData("/api/harmonic-ws2", false)]
    [InlineData("/api", false)]
    [InlineData("/", false)]
    public void Only_the_session_paths_are_taken(string path, bool taken) =>
        Assert.Equal(taken, WebSocketEndpoint.IsSessionPath(new PathString(path)));
}
