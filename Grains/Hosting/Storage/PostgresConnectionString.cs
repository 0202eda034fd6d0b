using Npgsql;

namespace Resonance.Grains.Hosting.Storage;

/// <summary>The one place a configured PostgreSQL connection string gets this project's defaults before any use.</summary>
public static class PostgresConnectionString
{
    /// <summary>
    /// Adds <c>GSS Encryption Mode=Disable</c> unless the string sets it. Npgsql 10 prefers GSSAPI session encryption by
    /// default, which on hosts and images without the Kerberos library (<c>libgssapi_krb5.so.2</c>, absent from slim
    /// .NET images and ours) fails every connection attempt once before falling back, and has been seen to stall
    /// connections. Nothing here uses Kerberos; a deployment that does sets the mode itself.
    /// </summary>
    public static string WithDefaults(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("GSS", StringComparison.OrdinalIgnoreCase)) builder.GssEncryptionMode = GssEncryptionMode.Disable;
        return builder.ConnectionString;
    }
}
