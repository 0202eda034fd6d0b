using System.Data.Common;

namespace Resonance.Grains.Hosting.Storage;

/// <summary>
/// After plaintext was replaced in a SQLite file: rebuild it (VACUUM) and empty its write-ahead log, so no old page
/// image is left in either file. The connections already zero freed cells (secure_delete, <see cref="SqliteDataSource"/>).
/// </summary>
public static class SqliteScrub
{
    public static async Task RunAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        foreach (var sql in new[] { "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
