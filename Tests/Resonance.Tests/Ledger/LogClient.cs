using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Resonance.Tests.Ledger;

/// <summary>The event log's REST endpoints as a verifier outside the server sees them.</summary>
public sealed class LogClient(Uri http) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = http };

    public sealed record Checkpoint(string Space, long TreeSize, byte[] RootHash, long Timestamp, byte[] Signature, string KeyId);
    public sealed record Proof(long LeafIndex, long TreeSize, byte[] LeafInput, byte[][] AuditPath, bool EventStored);

    public async Task<(string KeyId, byte[] PublicKey)> KeyAsync()
    {
        var j = await _http.GetFromJsonAsync<JsonElement>("/api/log/key");
        Assert.Equal("ECDSA-P256-SHA256", j.GetProperty("algorithm").GetString());
        return (j.GetProperty("keyId").GetString()!, Convert.FromBase64String(j.GetProperty("publicKey").GetString()!));
    }

    public async Task<Checkpoint> CheckpointAsync(string space)
    {
        var j = await _http.GetFromJsonAsync<JsonElement>($"/api/spaces/{space}/log/checkpoint");
        return new Checkpoint(j.GetProperty("space").GetString()!, j.GetProperty("treeSize").GetInt64(), Convert.FromBase64String(j.GetProperty("rootHash").GetString()!),
            j.GetProperty("timestamp").GetInt64(), Convert.FromBase64String(j.GetProperty("signature").GetString()!), j.GetProperty("keyId").GetString()!);
    }

    public async Task<Proof> ProofAsync(string space, Guid eventId, long? treeSize = null)
    {
        var j = await _http.GetFromJsonAsync<JsonElement>($"/api/spaces/{space}/log/proof?eventId={eventId}" + (treeSize is { } n ? $"&treeSize={n}" : ""));
        return new Proof(j.GetProperty("leafIndex").GetInt64(), j.GetProperty("treeSize").GetInt64(), Convert.FromBase64String(j.GetProperty("leafInput").GetString()!),
            [.. j.GetProperty("auditPath").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!))], j.GetProperty("eventStored").GetBoolean());
    }

    public async Task<byte[][]> ConsistencyAsync(string space, long from, long to)
    {
        var j = await _http.GetFromJsonAsync<JsonElement>($"/api/spaces/{space}/log/consistency?from={from}&to={to}");
        Assert.Equal(from, j.GetProperty("from").GetInt64());
        Assert.Equal(to, j.GetProperty("to").GetInt64());
        return [.. j.GetProperty("proof").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!))];
    }

    /// <summary>Status and error body of a request expected to fail.</summary>
    public async Task<(HttpStatusCode Status, string Code, string? Field)> ErrorAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var j = await response.Content.ReadFromJsonAsync<JsonElement>();
        var error = j.GetProperty("error");
        return (response.StatusCode, error.GetProperty("code").GetString()!, error.TryGetProperty("field", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null);
    }

    /// <summary>Checks a checkpoint's signature and each event's inclusion in it with <see cref="IndependentVerifier"/>.</summary>
    public async Task VerifyAsync(byte[] publicKey, Checkpoint checkpoint, IEnumerable<Guid> events)
    {
        Assert.True(IndependentVerifier.VerifyCheckpoint(publicKey, checkpoint.Space, checkpoint.TreeSize, checkpoint.RootHash, checkpoint.Timestamp, checkpoint.Signature),
            "checkpoint signature");
        foreach (var id in events)
        {
            var p = await ProofAsync(checkpoint.Space, id, checkpoint.TreeSize);
            Assert.Equal(id, IndependentVerifier.EventIdOf(p.LeafInput));
            Assert.True(IndependentVerifier.VerifyInclusion(p.LeafIndex, p.TreeSize, p.LeafInput, p.AuditPath, checkpoint.RootHash), $"inclusion of {id}");
        }
    }

    public void Dispose() => _http.Dispose();
}
