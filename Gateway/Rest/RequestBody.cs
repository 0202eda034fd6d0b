namespace Resonance.Gateway.Rest;

/// <summary>Reading a REST write's body whole, for the validation functions (<see cref="RestValidation"/>) to parse.</summary>
public static class RequestBody
{
    /// <summary>The whole body; its size is bounded by the caller's Content-Length check and Kestrel's request limit.</summary>
    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        return body.ToArray();
    }
}
