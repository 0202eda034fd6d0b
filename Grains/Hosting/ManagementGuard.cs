using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Resonance.Grains.Hosting;

/// <summary>
/// Keeps the management endpoints (<c>/metrics</c>, <c>/dashboard</c>) apart from the public API, from
/// <c>Resonance:Management</c>: <c>Port</c> serves them only on that local port (list it in <c>Urls</c> too; elsewhere
/// they answer 404), and <c>Key</c> requires <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Management-Key</c>
/// (401 otherwise). Both unset (the default): served on every port without a key, as before.
/// </summary>
public static class ManagementGuard
{
    public const string Section = "Resonance:Management";
    private static readonly string[] Paths = ["/metrics", "/dashboard"];

    public static WebApplication UseManagementGuard(this WebApplication app)
    {
        int port = app.Configuration.GetValue($"{Section}:Port", 0);
        var key = app.Configuration[$"{Section}:Key"];
        byte[]? expected = string.IsNullOrEmpty(key) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(key));
        if (port <= 0 && expected is null) return app;
        app.Use(async (context, next) =>
        {
            if (!IsManagement(context.Request.Path))
            {
                await next();
                return;
            }
            if (port > 0 && context.Connection.LocalPort != port)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            if (expected is not null && !KeyMatches(context.Request, expected))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            await next();
        });
        return app;
    }

    private static bool IsManagement(PathString path)
    {
        foreach (var p in Paths)
            if (path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static bool KeyMatches(HttpRequest request, byte[] expected)
    {
        string? given = request.Headers["X-Management-Key"].FirstOrDefault();
        var auth = request.Headers.Authorization.ToString();
        if (given is null && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) given = auth["Bearer ".Length..].Trim();
        if (string.IsNullOrEmpty(given)) return false;
        // Hashes of equal length compared in constant time: the comparison leaks nothing about the key.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), expected);
    }
}
