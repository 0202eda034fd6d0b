using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Resonance.Grains.Hosting.Storage;

/// <summary>
/// A <see cref="DbDataSource"/> over Microsoft.Data.Sqlite (which has none of its own), so both dialects share one code
/// path. Each connection asks for full synchronisation: a written grain state (or event) survives a crash; and for
/// secure_delete, so a deleted or replaced row (an erased memory node, a payload sealed on upgrade) is zeroed, not left in free space.
/// </summary>
public sealed class SqliteDataSource(string connectionString) : DbDataSource
{
    public override string ConnectionString => connectionString;

    protected override DbConnection CreateDbConnection() => new SyncedConnection(connectionString);

    private sealed class SyncedConnection(string cs) : SqliteConnection(cs)
    {
        public override void Open()
        {
            base.Open();
            using var pragma = CreateCommand();
            pragma.CommandText = "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON;";
            pragma.ExecuteNonQuery();
        }

        public override async Task OpenAsync(CancellationToken cancellationToken)
        {
            await base.OpenAsync(cancellationToken);
            await using var pragma = CreateCommand();
            pragma.CommandText = "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
