using System.Net.Http.Json;
using System.Text.Json;

namespace Resonance.Tests.Gateway;

/// <summary>An identity issued by a gateway's <c>POST /api/identities</c>.</summary>
public sealed record Identity(Guid UserId, string AccessToken, string RefreshToken, int ExpiresIn)
{
    public static async Task<Identity> CreateAsync(Uri http)
    {
        using var client = new HttpClient { BaseAddress = http };
        using var response = await client.PostAsync("/api/identities", null);
        response.EnsureSuccessStatusCode();
        return Parse(await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public static Identity Parse(JsonElement j) => new(
        j.GetProperty("userId").GetGuid(), j.GetProperty("accessToken").GetString()!, j.GetProperty("refreshToken").GetString()!,
        j.GetProperty("expiresIn").GetInt32());

    /// <summary>An HTTP client that sends a new identity's access token with every request (REST writes need one).</summary>
    public static async Task<HttpClient> ClientAsync(Uri http) => (await CreateAsync(http)).Client(http);

    /// <summary>An HTTP client that sends this identity's access token with every request.</summary>
    public HttpClient Client(Uri http)
    {
        var client = new HttpClient { BaseAddress = http };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AccessToken);
        return client;
    }

    /// <summary>A WebSocket URI with this identity's token in the query (the browser way).</summary>
    public Uri WithToken(Uri ws) => new(ws + (ws.Query.Length == 0 ? "?" : "&") + "access_token=" + Uri.EscapeDataString(AccessToken));
}
