using Npgsql;
using Resonance.Grains.Hosting.Storage;

namespace Resonance.Tests.Persistence;

/// <summary>Configured connection strings get GSS encryption off unless they choose; everything else is kept.</summary>
public sealed class PostgresConnectionStringTests
{
    [Fact]
    public void Gss_encryption_is_disabled_by_default_and_the_rest_is_kept()
    {
        var b = new NpgsqlConnectionStringBuilder(PostgresConnectionString.WithDefaults("Host=db;Port=6432;Username=u;Password=p;Database=d;Maximum Pool Size=50"));
        Assert.Equal(GssEncryptionMode.Disable, b.GssEncryptionMode);
        Assert.Equal(("db", 6432, "u", "p", "d", 50), (b.Host, b.Port, b.Username, b.Password, b.Database, b.MaxPoolSize));
    }

    [Theory]
    [InlineData("Host=db;GSS Encryption Mode=Require", GssEncryptionMode.Require)]
    [InlineData("Host=db;Gss Encryption Mode=Prefer", GssEncryptionMode.Prefer)]
    public void An_explicit_choice_is_kept(string connectionString, GssEncryptionMode mode) =>
        Assert.Equal(mode, new NpgsqlConnectionStringBuilder(PostgresConnectionString.WithDefaults(connectionString)).GssEncryptionMode);
}
