using Resonance.Gateway.Protocol;
using Resonance.Grains;

namespace Resonance.Gateway.Rest;

/// <summary>
/// The tamper-evident event log (docs/ledger.md): the signing key, a space's signed checkpoint, inclusion proofs of its
/// events and consistency proofs between sizes. Hashes and signatures are base64. The silos compute and sign; the
/// gateway validates the query and relays.
/// </summary>
public static class LogEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/log/key", GetKey).WithSummary("The ECDSA P-256 public key that signs every space's log checkpoints.");
        app.MapGet("/api/spaces/{id}/log/checkpoint", GetCheckpoint).WithSummary("The space's signed log checkpoint: tree size, root hash, timestamp, signature, key id.");
        app.MapGet("/api/spaces/{id}/log/proof", GetProof).WithSummary("The inclusion proof of an event (eventId) in the space's log, optionally at an earlier treeSize.");
        app.MapGet("/api/spaces/{id}/log/consistency", GetConsistency).WithSummary("The consistency proof between two sizes of the space's log (from, to).");
    }

    private static IResult Unavailable() =>
        new RestError(503, ErrorCodes.Unavailable, "The event log is unavailable; retry.").ToResult();

    private static async Task<IResult> GetKey(IGrainFactory grains)
    {
        try
        {
            var key = await grains.GetGrain<ILogKeyGrain>(0).GetPublicKey();
            return Results.Json(new { keyId = key.KeyId, algorithm = key.Algorithm, publicKey = Convert.ToBase64String(key.PublicKey), pem = key.Pem });
        }
        catch (Exception)
        {
            return Unavailable();
        }
    }

    private static async Task<IResult> GetCheckpoint(string id, IGrainFactory grains)
    {
        if (RestValidation.SpaceIdError(id) is { } bad) return bad.ToResult();
        LogCheckpoint c;
        try
        {
            c = await grains.GetGrain<ISpaceLogGrain>(id).GetCheckpoint();
        }
        catch (Exception)
        {
            return Unavailable();
        }
        return Results.Json(new
        {
            space = c.Space,
            treeSize = c.TreeSize,
            rootHash = Convert.ToBase64String(c.RootHash),
            timestamp = c.Timestamp,
            signature = Convert.ToBase64String(c.Signature),
            keyId = c.KeyId,
        });
    }

    private static async Task<IResult> GetProof(string id, HttpRequest request, IGrainFactory grains)
    {
        if (RestValidation.SpaceIdError(id) is { } badId) return badId.ToResult();
        if (LogValidation.Proof(request.Query, out var eventId, out long? treeSize) is { } bad) return bad.ToResult();
        LogInclusionProof p;
        try
        {
            p = await grains.GetGrain<ISpaceLogGrain>(id).GetInclusionProof(eventId, treeSize);
        }
        catch (Exception)
        {
            return Unavailable();
        }
        return p.Problem switch
        {
            LogProblem.NotFound => new RestError(404, ErrorCodes.NotFound, p.Message ?? "No such event in this log.", "eventId").ToResult(),
            LogProblem.OutOfRange => new RestError(400, ErrorCodes.OutOfRange, p.Message ?? "Out of range.", "treeSize").ToResult(),
            _ => Results.Json(new
            {
                eventId,
                leafIndex = p.LeafIndex,
                treeSize = p.TreeSize,
                leafInput = Convert.ToBase64String(p.LeafInput),
                auditPath = p.AuditPath.Select(Convert.ToBase64String).ToArray(),
                eventStored = p.EventStored,
            }),
        };
    }

    private static async Task<IResult> GetConsistency(string id, HttpRequest request, IGrainFactory grains)
    {
        if (RestValidation.SpaceIdError(id) is { } badId) return badId.ToResult();
        if (LogValidation.Consistency(request.Query, out long from, out long? to) is { } bad) return bad.ToResult();
        LogConsistencyProof p;
        try
        {
            p = await grains.GetGrain<ISpaceLogGrain>(id).GetConsistencyProof(from, to);
        }
        catch (Exception)
        {
            return Unavailable();
        }
        if (p.Problem != LogProblem.None)
            return new RestError(400, ErrorCodes.OutOfRange, p.Message ?? "Out of range.", to is null ? "from" : "to").ToResult();
        return Results.Json(new { from = p.From, to = p.To, proof = p.Proof.Select(Convert.ToBase64String).ToArray() });
    }
}
